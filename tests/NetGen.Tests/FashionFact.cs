using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.IO;
using NetGen.Samples.Train;
using Xunit;

namespace NetGen.Tests;

/// <summary>
/// A fact that needs Fashion-MNIST (the Debian package dataset-fashion-mnist, which CI installs): reported as skipped,
/// never passed, where any of its four files is missing, since the data set is not part of the repository.
/// </summary>
public sealed class FashionFactAttribute : FactAttribute
{
    /// <summary>Where the Debian package installs the four IDX files.</summary>
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    private static IReadOnlyList<string> Files => TrainJob.FashionFiles;

    /// <summary>Skips the test, naming the first missing file, unless all four are installed.</summary>
    public FashionFactAttribute()
    {
        string? missing = Files.Select(name => Path.Combine(Folder, name)).FirstOrDefault(path => !File.Exists(path));
        if (missing is not null)
        {
            Skip = $"Fashion-MNIST is not installed: {missing} is missing (apt-get install dataset-fashion-mnist).";
        }
    }

    /// <summary>The 60,000 training and 10,000 test images, pixels scaled to [0, 1].</summary>
    public static (Dataset<float> Train, Dataset<float> Test) Load() =>
        (IdxLoader.LoadImagesAndLabels<float>(Path.Combine(Folder, Files[0]), Path.Combine(Folder, Files[1])),
         IdxLoader.LoadImagesAndLabels<float>(Path.Combine(Folder, Files[2]), Path.Combine(Folder, Files[3])));
}
