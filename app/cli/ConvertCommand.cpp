#include "Commands.h"
#include "TerminalProgress.h"

#include "strega/io/ImageReader.h"
#include "strega/io/ImageWriter.h"

#include <iostream>

namespace strega::cli {

void registerConvert(CLI::App& app, Context& context, int& exitCode) {
  auto* cmd = app.add_subcommand("convert", "Convert a DICOM series folder or any readable volume to NIfTI "
                                            "(or NRRD/MetaImage by extension)");
  struct Args {
    std::string input, output, series;
    long long frame = -1;
    bool keepType = true;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("INPUT", args->input, "DICOM folder or image file")->required();
  cmd->add_option("OUTPUT", args->output, "output file, e.g. out.nii.gz")->required();
  cmd->add_option("--series", args->series, "SeriesInstanceUID to convert when the folder holds several");
  cmd->add_option("--frame", args->frame, "frame (0-based) to take from a 4D input");
  cmd
    ->add_flag("!--float,--keep-type", args->keepType,
               "store float32 voxels (default: keep the input's integer type when values fit)")
    ->default_val(true);
  cmd->callback([=, &context, &exitCode] {
    exitCode = runCommand([&] {
      TerminalProgress bar(context.quiet);
      ProgressScope progress(bar, "convert", context.cancel);
      io::ReadOptions options;
      options.seriesUid = args->series;
      if (args->frame >= 0) options.frame = static_cast<std::size_t>(args->frame);
      io::LoadedImage loaded = [&] {
        ProgressScope read(progress, "read", 0.0, 0.8);
        return io::readImage(args->input, options, &read);
      }();
      bar.finish();
      for (const auto& w : loaded.info.warnings)
        std::cerr << "strega-cli: warning: " << w << "\n";
      const io::PixelType storedAs = args->keepType ? loaded.info.storedPixelType : io::PixelType::Float32;
      io::writeImage(loaded.image, args->output,
                     storedAs == io::PixelType::Unknown ? io::PixelType::Float32 : storedAs);
      const auto& s = loaded.image.size();
      std::cout << "wrote " << args->output << " (" << s[0] << "x" << s[1] << "x" << s[2] << ", "
                << io::toString(storedAs) << ")\n";
    });
  });
}

} // namespace strega::cli
