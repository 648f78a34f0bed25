using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Evaluation;
using NetGen.Cli.Plotting;
using NetGen.Training;

namespace NetGen.Cli;

/// <summary>
/// The PNG figures of a training run, drawn by NetGen's own small renderer (<see cref="Plotting"/>: a bitmap font,
/// anti-aliased lines, PNG through System.IO.Compression), so they need no native graphics library on any platform.
/// Shared by the main job (samples/Train) and the <c>netgen</c> tool.
/// </summary>
public static class TrainingPlots
{
    private const int Width = 1000;
    private const int PanelHeight = 420;

    /// <summary>
    /// The loss over the epochs (training and validation) and, when the history has accuracies (a classifier), a second
    /// panel below with training and validation accuracy. The training loss is the mean over the epoch's batches,
    /// measured with dropout on when the network has dropout; accuracies use the whole network.
    /// </summary>
    /// <param name="history">The run's history.</param>
    /// <param name="title">The figure's title.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="lossName">The loss's name on the y axis, such as "cross-entropy loss".</param>
    /// <param name="trainingLossLabel">The legend text of the training loss.</param>
    public static void SaveTrainingCurves(TrainingHistory history, string title, string path, string lossName = "cross-entropy loss", string trainingLossLabel = "training (batches, with dropout)")
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        var loss = new LineChart { Title = title, XLabel = "epoch", YLabel = lossName, IntegerXTicks = true };
        loss.Add(trainingLossLabel, epochs.Select(e => ((double)e.Epoch, (double?)e.TrainingLoss)));
        loss.Add("validation", epochs.Select(e => ((double)e.Epoch, e.ValidationLoss)));
        var accuracy = new LineChart { XLabel = "epoch", YLabel = "accuracy", IntegerXTicks = true, Legend = LegendCorner.LowerRight };
        accuracy.Add("training", epochs.Select(e => ((double)e.Epoch, e.TrainingAccuracy)));
        accuracy.Add("validation", epochs.Select(e => ((double)e.Epoch, e.ValidationAccuracy)));

        bool hasAccuracy = accuracy.Series.Count > 0;
        var canvas = new Canvas(Width, (hasAccuracy ? 2 : 1) * PanelHeight, Rgb.White);
        loss.Draw(canvas, 0, 0, Width, PanelHeight);
        if (hasAccuracy)
        {
            accuracy.Draw(canvas, 0, PanelHeight, Width, PanelHeight);
        }

        canvas.SavePng(path);
    }

    /// <summary>
    /// The L2 norm of each dense layer's weight gradient ‖∂C/∂W^l‖ (mean over the epoch's batches) per epoch, on a log
    /// scale: the input-side layers far below the output side would be the vanishing-gradient picture.
    /// </summary>
    /// <param name="history">The run's history.</param>
    /// <param name="spec">The network, for the layers' shapes.</param>
    /// <param name="title">The figure's title.</param>
    /// <param name="path">The PNG file to write.</param>
    public static void SaveGradientNorms(TrainingHistory history, NetworkSpec spec, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(spec);
        var chart = new LineChart { Title = title, XLabel = "epoch", YLabel = "‖∂C/∂W‖ per layer (log scale)", IntegerXTicks = true, LogarithmicY = true };
        for (int layer = 0; layer < history.LayerCount; layer++)
        {
            var layout = spec.GetLayout(layer);
            int index = layer;
            string label = string.Create(CultureInfo.InvariantCulture, $"layer {layer + 1} ({layout.InputSize}→{layout.OutputSize}, {spec.Layers[layer].Activation})");
            chart.Add(label, history.Epochs.Select(e => ((double)e.Epoch, (double?)e.LayerGradientNorms[index])));
        }

        var canvas = new Canvas(Width, PanelHeight + 80, Rgb.White);
        chart.Draw(canvas, 0, 0, Width, PanelHeight + 80);
        canvas.SavePng(path);
    }

    /// <summary>
    /// The curvature spectrum recorded by <see cref="NetGen.Curvature.CurvatureSpectrum"/> per epoch: the top
    /// eigenvalues of the Hessian and, below, of the Gauss–Newton matrix, on log scales (non-positive ones left out),
    /// and the two traces at the bottom.
    /// </summary>
    /// <param name="history">The run's history, with the hook's measurements.</param>
    /// <param name="title">The figure's title.</param>
    /// <param name="path">The PNG file to write.</param>
    public static void SaveCurvatureSpectrum(TrainingHistory history, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        var traces = new LineChart { XLabel = "epoch", YLabel = "trace (Hutchinson)", IntegerXTicks = true };
        var panels = new List<LineChart>();
        foreach (var (kind, name) in new[] { (CurvatureKind.Hessian, "Hessian"), (CurvatureKind.GaussNewton, "Gauss-Newton") })
        {
            var chart = new LineChart
            {
                Title = panels.Count == 0 ? title : string.Empty, XLabel = "epoch", YLabel = name + " top eigenvalues (log)", IntegerXTicks = true, LogarithmicY = true,
            };
            for (int rank = 1; ; rank++)
            {
                string key = NetGen.Curvature.CurvatureSpectrum.EigenvalueName(kind, rank);
                if (!epochs.Any(e => e.Measurements.ContainsKey(key)))
                {
                    break;
                }

                chart.Add(string.Create(CultureInfo.InvariantCulture, $"λ{rank}"), epochs.Select(e => ((double)e.Epoch, Measurement(e, key))));
            }

            if (chart.Series.Count > 0)
            {
                panels.Add(chart);
            }

            traces.Add(name, epochs.Select(e => ((double)e.Epoch, Measurement(e, NetGen.Curvature.CurvatureSpectrum.TraceName(kind)))));
        }

        if (traces.Series.Count > 0)
        {
            panels.Add(traces);
        }

        if (panels.Count == 0)
        {
            throw new ArgumentException("The history has no curvature measurements; train with a CurvatureSpectrum hook.", nameof(history));
        }

        var canvas = new Canvas(Width, panels.Count * PanelHeight, Rgb.White);
        for (int i = 0; i < panels.Count; i++)
        {
            panels[i].Draw(canvas, 0, i * PanelHeight, Width, PanelHeight);
        }

        canvas.SavePng(path);
    }

    private static double? Measurement(EpochRecord record, string name) => record.Measurements.TryGetValue(name, out double value) ? value : null;

    /// <summary>
    /// A learning-rate range test: the batch loss and its smoothed curve against the learning rate on a log axis, with a
    /// vertical line at the suggested rate (where the loss falls fastest). The y axis ends a quarter above the
    /// highest smoothed loss before its minimum, so the diverging tail does not flatten the part that matters.
    /// </summary>
    /// <param name="result">The test's outcome.</param>
    /// <param name="title">The figure's title.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="lossName">The loss's name on the y axis.</param>
    public static void SaveLearningRateRangeTest(LearningRateRangeTestResult result, string title, string path, string lossName = "loss")
    {
        ArgumentNullException.ThrowIfNull(result);
        double top = 1.25 * result.SmoothedLosses.Take(result.LowestLossIndex + 1).Max();
        double bottom = Math.Min(result.Losses.Min(), result.SmoothedLosses.Min());
        double? Shown(double loss) => loss <= top ? loss : null;
        var chart = new LineChart { Title = title, XLabel = "learning rate η (log scale)", YLabel = lossName, LogarithmicX = true };
        chart.Add("batch loss", result.Rates.Select((rate, i) => (rate, Shown(result.Losses[i]))));
        chart.Add("smoothed", result.Rates.Select((rate, i) => (rate, Shown(result.SmoothedLosses[i]))));
        chart.Add(
            string.Create(CultureInfo.InvariantCulture, $"suggested η = {result.SuggestedRate:G3}"),
            [(result.SuggestedRate, bottom), (result.SuggestedRate, top)]);
        var canvas = new Canvas(Width, PanelHeight + 80, Rgb.White);
        chart.Draw(canvas, 0, 0, Width, PanelHeight + 80);
        canvas.SavePng(path);
    }

    /// <summary>The confusion matrix of the test split as a heat map (rows actual, columns predicted, counts in the cells).</summary>
    /// <param name="matrix">The matrix.</param>
    /// <param name="title">The figure's title.</param>
    /// <param name="path">The PNG file to write.</param>
    public static void SaveConfusionMatrix(ConfusionMatrix matrix, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ConfusionMatrixChart.Draw(matrix, title).SavePng(path);
    }
}
