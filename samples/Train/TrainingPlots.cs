using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Training;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace NetGen.Samples.Train;

/// <summary>The job's two PNG figures, drawn with ScottPlot from a <see cref="TrainingHistory"/>.</summary>
public static class TrainingPlots
{
    private const int Width = 1000;
    private const int PanelHeight = 420;

    /// <summary>
    /// Two panels over the epochs: training and validation loss (top), training and validation accuracy (bottom). The
    /// training loss is the mean over the epoch's batches measured with dropout on; accuracies use the whole network.
    /// </summary>
    /// <param name="history">The run's history.</param>
    /// <param name="title">The figure's title.</param>
    /// <param name="path">The PNG file to write.</param>
    public static void SaveTrainingCurves(TrainingHistory history, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(history);
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Plot loss = multiplot.GetPlot(0);
        Plot accuracy = multiplot.GetPlot(1);
        var epochs = history.Epochs;

        AddSeries(loss, epochs, e => e.TrainingLoss, "training (batches, with dropout)");
        AddSeries(loss, epochs, e => e.ValidationLoss, "validation");
        loss.Title(title);
        loss.YLabel("cross-entropy loss");
        EpochAxis(loss);
        loss.ShowLegend(Alignment.UpperRight);

        AddSeries(accuracy, epochs, e => e.TrainingAccuracy, "training");
        AddSeries(accuracy, epochs, e => e.ValidationAccuracy, "validation");
        accuracy.YLabel("accuracy");
        EpochAxis(accuracy);
        accuracy.ShowLegend(Alignment.LowerRight);

        multiplot.SavePng(path, Width, 2 * PanelHeight);
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
        var plot = new Plot();
        var epochs = history.Epochs;
        for (int layer = 0; layer < history.LayerCount; layer++)
        {
            var layout = spec.GetLayout(layer);
            int index = layer;
            string label = string.Create(CultureInfo.InvariantCulture, $"layer {layer + 1} ({layout.InputSize}→{layout.OutputSize}, {spec.Layers[layer].Activation})");
            // Log scale: plot log10 of the norm and label the ticks as powers of ten.
            AddSeries(plot, epochs, e => e.LayerGradientNorms[index] > 0 ? Math.Log10(e.LayerGradientNorms[index]) : null, label);
        }

        var logNorms = epochs.SelectMany(e => e.LayerGradientNorms).Where(n => n > 0 && double.IsFinite(n)).Select(Math.Log10).ToArray();
        if (logNorms.Length > 0)
        {
            plot.Axes.Left.TickGenerator = LogTicks(logNorms.Min(), logNorms.Max());
        }

        plot.Title(title);
        plot.YLabel("‖∂C/∂W‖ per layer (log scale)");
        EpochAxis(plot);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, PanelHeight + 80);
    }

    // Ticks for an axis that shows log10 of the values, at m × 10^k: within a decade every m = 1 … 9 (and the halves
    // below 3 within half a decade) is labelled, over a few decades m = 1, 2, 5, over many only the powers of ten; the
    // other integer m are minor ticks.
    private static NumericManual LogTicks(double minimum, double maximum)
    {
        double decades = maximum - minimum;
        double[] mantissas = decades < 0.5 ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var ticks = new NumericManual();
        for (int k = (int)Math.Floor(minimum) - 1; k <= (int)Math.Ceiling(maximum); k++)
        {
            foreach (double m in mantissas)
            {
                double position = k + Math.Log10(m);
                if (position < minimum - 0.3 || position > maximum + 0.3)
                {
                    continue;
                }

                if (m == 1 || decades < 1 || (decades <= 4 && m is 2 or 5))
                {
                    ticks.AddMajor(position, FormatPower(m, k));
                }
                else
                {
                    ticks.AddMinor(position);
                }
            }
        }

        return ticks;
    }

    private static string FormatPower(double mantissa, int exponent) =>
        exponent is >= -4 and <= 4
            ? (mantissa * Math.Pow(10, exponent)).ToString("0.#####", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{mantissa}e{exponent}");

    // Epochs are whole numbers.
    private static void EpochAxis(Plot plot)
    {
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };
    }

    private static void AddSeries(Plot plot, IReadOnlyList<EpochRecord> epochs, Func<EpochRecord, double?> value, string label)
    {
        var points = epochs.Where(e => value(e) is { } v && double.IsFinite(v)).ToArray();
        if (points.Length == 0)
        {
            return;
        }

        double[] xs = points.Select(e => (double)e.Epoch).ToArray();
        double[] ys = points.Select(e => value(e)!.Value).ToArray();
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.MarkerSize = xs.Length > 40 ? 0 : 5;
    }
}
