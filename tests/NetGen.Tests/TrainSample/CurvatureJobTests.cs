using System;
using System.IO;
using System.Linq;
using NetGen.Curvature;
using NetGen.Samples.Train;
using Xunit;

namespace NetGen.Samples.Train.Tests;

/// <summary>The main job's <c>--curvature</c> option (issue 21, item 4): the spectrum per epoch in the history and a plot.</summary>
public sealed class CurvatureJobTests
{
    [Fact]
    public void CurvatureAddsTheSpectrumToTheHistoryAndWritesItsPlot()
    {
        var parsed = CommandLine.Parse(["--epochs", "3", "--curvature=2"]);
        Assert.Null(parsed.Error);
        Assert.Equal(2, parsed.Options!.CurvatureEigenvalues);
        Assert.Equal(3, CommandLine.Parse(["--curvature", "--epochs", "3"]).Options!.CurvatureEigenvalues);
        Assert.Contains("--curvature", CommandLine.Usage, StringComparison.Ordinal);

        using var folder = new TrainOutputFolder();
        var result = TrainJob.Run(parsed.Options with { OutputDirectory = folder.Path });
        Assert.NotNull(result.Files.CurvaturePlot);
        Assert.Contains(result.Files.CurvaturePlot, result.Files.All);
        var (width, height, _) = PlotTests.DecodePng(File.ReadAllBytes(result.Files.CurvaturePlot!));
        Assert.Equal(1000, width);
        Assert.Equal(3 * 420, height);
        foreach (var epoch in result.Training.History.Epochs)
        {
            double top = epoch.Measurements[CurvatureSpectrum.EigenvalueName(CurvatureKind.GaussNewton, 1)];
            Assert.True(top >= epoch.Measurements[CurvatureSpectrum.EigenvalueName(CurvatureKind.GaussNewton, 2)]);
            Assert.True(top > 0);
        }

        string header = File.ReadLines(result.Files.History).First();
        Assert.EndsWith("gauss_newton_trace,gauss_newton_trace_se", header, StringComparison.Ordinal);

        // Without the option the job writes no curvature plot and records nothing extra.
        var plain = TrainJob.Run(new TrainJobOptions { Epochs = 1, OutputDirectory = folder.Sub("plain") });
        Assert.Null(plain.Files.CurvaturePlot);
        Assert.Empty(plain.Training.History.Epochs[0].Measurements);
    }
}
