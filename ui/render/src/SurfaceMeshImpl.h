#pragma once
// Internal to strega::render: the VTK side of SurfaceMesh, shared by SurfaceMesh.cpp and SurfaceScene.cpp.

#include "strega/render/SurfaceMesh.h"

#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

namespace strega::render {

struct SurfaceMesh::Impl {
  vtkSmartPointer<vtkPolyData> polyData; ///< triangles with point normals, in LPS mm
};

} // namespace strega::render
