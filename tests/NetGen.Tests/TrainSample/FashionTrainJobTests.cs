using System.IO;
using NetGen.Samples.Train;
using NetGen.Tests;
using Xunit;

namespace NetGen.Samples.Train.Tests;

/// <summary>A short Fashion-MNIST run, when the Debian package dataset-fashion-mnist is installed (otherwise the test
/// reports skipped: the data set is not part of the repository).</summary>
public sealed class FashionTrainJobTests
{
    [FashionFact]
    [Trait("Category", "Slow")]
    public void AShortRunOn3000ImagesBeats70PercentTestAccuracy()
    {
        using var folder = new TrainOutputFolder();
        var result = TrainJob.Run(new TrainJobOptions { DataDirectory = FashionFactAttribute.Folder, Limit = 3000, Epochs = 2, OutputDirectory = folder.Path });
        Assert.IsType<FashionMlp>(result.Network);
        Assert.Equal(DataSetKind.FashionMnist, result.Settings.DataSet);
        Assert.Equal(3000, result.TrainCount + result.ValidationCount);
        Assert.InRange(result.ValidationCount, 290, 310); // 10 %, stratified: rounded class by class
        Assert.Equal(10000, result.TestCount);
        Assert.Equal(2, result.Training.EpochsRun);
        Assert.True(result.TestAccuracy > 0.70, $"test accuracy {result.TestAccuracy}");
        Assert.All(result.Files.All, path => Assert.True(new FileInfo(path).Length > 0, path));
    }
}
