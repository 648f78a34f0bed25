using System;
using System.Collections.Generic;
using System.Linq;

namespace NetGen.Cli.Plotting;

/// <summary>One line of a <see cref="LineChart"/>.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="Xs">The x values.</param>
/// <param name="Ys">The y values, as many; on a logarithmic chart positive.</param>
internal sealed record Series(string Label, double[] Xs, double[] Ys);

/// <summary>Where the legend box sits inside the plot area.</summary>
internal enum LegendCorner
{
    UpperRight = 0,
    LowerRight = 1,
}

/// <summary>
/// A line chart with a title, axis labels, tick labels, light grid lines and a legend, on a linear or logarithmic y
/// axis, drawn into a rectangle of a <see cref="Canvas"/>.
/// </summary>
internal sealed class LineChart
{
    private const int TickLength = 5;
    private const int Padding = 10;

    public string Title { get; init; } = string.Empty;

    public string XLabel { get; init; } = string.Empty;

    public string YLabel { get; init; } = string.Empty;

    /// <summary>Whether the x ticks fall on whole numbers only (epochs).</summary>
    public bool IntegerXTicks { get; init; }

    /// <summary>Whether the y axis is logarithmic (values plotted as log10, ticks labelled with the values).</summary>
    public bool LogarithmicY { get; init; }

    /// <summary>Whether the x axis is logarithmic, as <see cref="LogarithmicY"/> (learning rates).</summary>
    public bool LogarithmicX { get; init; }

    public LegendCorner Legend { get; init; } = LegendCorner.UpperRight;

    public List<Series> Series { get; } = [];

    /// <summary>Adds a line, leaving out points that are not finite (or, on a log axis, not positive).</summary>
    public void Add(string label, IEnumerable<(double X, double? Y)> points)
    {
        var kept = points.Where(p => p.Y is { } y && double.IsFinite(y) && double.IsFinite(p.X) && (!LogarithmicY || y > 0) && (!LogarithmicX || p.X > 0)).ToArray();
        if (kept.Length > 0)
        {
            Series.Add(new Series(label, kept.Select(p => p.X).ToArray(), kept.Select(p => p.Y!.Value).ToArray()));
        }
    }

    public void Draw(Canvas canvas, int left, int top, int width, int height)
    {
        var (xMin, xMax) = Range(Series.SelectMany(s => s.Xs.Select(TransformX)), pad: false);
        var (yMin, yMax) = Range(Series.SelectMany(s => s.Ys.Select(Transform)), pad: true);
        var xTicks = LogarithmicX ? AxisTicks.Logarithmic(xMin, xMax) : AxisTicks.Linear(xMin, xMax, Math.Max(2, width / 90), IntegerXTicks);
        var yTicks = LogarithmicY ? AxisTicks.Logarithmic(yMin, yMax) : AxisTicks.Linear(yMin, yMax, Math.Max(2, height / 60), integersOnly: false);

        int yLabelWidth = yTicks.Where(t => t.Label is not null).Select(t => BitmapFont.Measure(t.Label!)).DefaultIfEmpty(0).Max();
        int plotLeft = left + Padding + BitmapFont.Height + Padding + yLabelWidth + TickLength + 4;
        int plotTop = top + (Title.Length > 0 ? Padding + BitmapFont.Height + Padding : Padding);
        int plotRight = left + width - 2 * Padding;
        int plotBottom = top + height - (Padding + BitmapFont.Height + 6 + BitmapFont.Height + TickLength + 4);
        int plotWidth = plotRight - plotLeft, plotHeight = plotBottom - plotTop;
        double ToX(double x) => plotLeft + (x - xMin) / (xMax - xMin) * plotWidth;
        double ToY(double y) => plotBottom - (y - yMin) / (yMax - yMin) * plotHeight;

        canvas.DrawTextCentered(Title, (plotLeft + plotRight) / 2, top + Padding, Rgb.Text, bold: true);
        foreach (var tick in yTicks)
        {
            int y = (int)Math.Round(ToY(tick.Position));
            canvas.FillRectangle(plotLeft, y, plotWidth, 1, tick.Label is null ? Rgb.Grid.Mix(Rgb.White, 0.5) : Rgb.Grid);
            canvas.FillRectangle(plotLeft - (tick.Label is null ? TickLength / 2 : TickLength), y, tick.Label is null ? TickLength / 2 : TickLength, 1, Rgb.Axis);
            if (tick.Label is { } label)
            {
                canvas.DrawText(label, plotLeft - TickLength - 4 - BitmapFont.Measure(label), y - BitmapFont.Height / 2, Rgb.Text);
            }
        }

        foreach (var tick in xTicks)
        {
            int x = (int)Math.Round(ToX(tick.Position));
            canvas.FillRectangle(x, plotTop, 1, plotHeight, tick.Label is null ? Rgb.Grid.Mix(Rgb.White, 0.5) : Rgb.Grid);
            canvas.FillRectangle(x, plotBottom, 1, tick.Label is null ? TickLength / 2 : TickLength, Rgb.Axis);
            if (tick.Label is { } label)
            {
                canvas.DrawTextCentered(label, x, plotBottom + TickLength + 4, Rgb.Text);
            }
        }

        canvas.DrawRectangle(plotLeft, plotTop, plotWidth + 1, plotHeight + 1, Rgb.Axis);
        canvas.DrawTextCentered(XLabel, (plotLeft + plotRight) / 2, plotBottom + TickLength + 4 + BitmapFont.Height + 6, Rgb.Text);
        canvas.DrawTextUpwards(YLabel, left + Padding, (plotTop + plotBottom) / 2, Rgb.Text);

        for (int s = 0; s < Series.Count; s++)
        {
            var series = Series[s];
            var color = Rgb.Palette[s % Rgb.Palette.Length];
            double[] xs = series.Xs.Select(x => ToX(TransformX(x))).ToArray();
            double[] ys = series.Ys.Select(y => ToY(Transform(y))).ToArray();
            canvas.DrawPolyline(xs, ys, color, 2, plotLeft, plotTop, plotRight + 1, plotBottom + 1);
            if (xs.Length <= 40)
            {
                for (int i = 0; i < xs.Length; i++)
                {
                    canvas.FillCircle(xs[i], ys[i], 3, color);
                }
            }
        }

        DrawLegend(canvas, plotLeft, plotTop, plotRight, plotBottom);
    }

    private void DrawLegend(Canvas canvas, int plotLeft, int plotTop, int plotRight, int plotBottom)
    {
        if (Series.Count == 0)
        {
            return;
        }

        const int swatch = 24;
        int boxWidth = Padding + swatch + 6 + Series.Max(s => BitmapFont.Measure(s.Label)) + Padding;
        int boxHeight = Padding + Series.Count * (BitmapFont.Height + 4) + Padding - 4;
        int x = Math.Max(plotLeft + 4, plotRight - Padding - boxWidth);
        int y = Legend == LegendCorner.UpperRight ? plotTop + Padding : plotBottom - Padding - boxHeight;
        canvas.FillRectangle(x, y, boxWidth, boxHeight, Rgb.White);
        canvas.DrawRectangle(x, y, boxWidth, boxHeight, Rgb.Grid.Mix(Rgb.Axis, 0.4));
        for (int s = 0; s < Series.Count; s++)
        {
            int rowY = y + Padding + s * (BitmapFont.Height + 4);
            var color = Rgb.Palette[s % Rgb.Palette.Length];
            double middle = rowY + BitmapFont.Height / 2.0;
            canvas.DrawPolyline([x + Padding, x + Padding + swatch], [middle, middle], color, 2, 0, 0, canvas.Width, canvas.Height);
            canvas.DrawText(Series[s].Label, x + Padding + swatch + 6, rowY, Rgb.Text);
        }
    }

    private double Transform(double y) => LogarithmicY ? Math.Log10(y) : y;

    private double TransformX(double x) => LogarithmicX ? Math.Log10(x) : x;

    private static (double Min, double Max) Range(IEnumerable<double> values, bool pad)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (!double.IsFinite(min))
        {
            return (0, 1);
        }

        if (max - min < 1e-12)
        {
            double half = Math.Max(Math.Abs(min) * 0.05, 0.5);
            return (min - half, max + half);
        }

        double margin = pad ? (max - min) * 0.05 : 0;
        return (min - margin, max + margin);
    }
}
