using System;
using System.Globalization;
using System.Linq;
using NetGen.Evaluation;

namespace NetGen.Cli.Plotting;

/// <summary>
/// A confusion matrix as a heat map: a row per actual class, a column per predicted class, each cell shaded by the
/// share of its row (the actual class's samples) that landed there, on a square-root scale, and labelled with its count.
/// </summary>
internal static class ConfusionMatrixChart
{
    private const int Margin = 16;
    private static readonly Rgb Empty = Rgb.White;
    private static readonly Rgb Full = new(8, 69, 148);

    public static Canvas Draw(ConfusionMatrix matrix, string title)
    {
        int n = matrix.ClassCount;
        var names = Enumerable.Range(0, n).Select(matrix.ClassName).ToArray();
        int longest = names.Max(BitmapFont.Measure);
        int countWidth = BitmapFont.Measure(matrix.Total.ToString(CultureInfo.InvariantCulture));
        int cell = Math.Max(44, countWidth + 12);
        int gridLeft = Margin + BitmapFont.Height + Margin + longest + 8;
        int gridTop = Margin + 2 * BitmapFont.Height + 8 + Margin;
        string subtitle = string.Create(CultureInfo.InvariantCulture, $"{matrix.Total} samples, accuracy {matrix.Accuracy:0.0000}; shade: share of the actual class (square-root scale)");
        int width = Math.Max(gridLeft + n * cell + Margin, Math.Max(BitmapFont.Measure(title), BitmapFont.Measure(subtitle)) + 2 * Margin);
        int columnLabelHeight = names.Any(name => BitmapFont.Measure(name) > cell - 4) ? longest + 8 : BitmapFont.Height + 8;
        int height = gridTop + n * cell + 6 + columnLabelHeight + BitmapFont.Height + 2 * Margin;
        var canvas = new Canvas(width, height, Rgb.White);

        canvas.DrawTextCentered(title, width / 2, Margin, Rgb.Text, bold: true);
        canvas.DrawTextCentered(subtitle, width / 2, Margin + BitmapFont.Height + 8, Rgb.Axis);

        for (int a = 0; a < n; a++)
        {
            int support = matrix.Support(a);
            for (int p = 0; p < n; p++)
            {
                int count = matrix[a, p];
                double share = support == 0 ? 0 : count / (double)support;
                // The square root lifts the few off-diagonal samples of a good classifier into view.
                var shade = Empty.Mix(Full, Math.Sqrt(share));
                int x = gridLeft + p * cell, y = gridTop + a * cell;
                canvas.FillRectangle(x, y, cell, cell, shade);
                string text = count.ToString(CultureInfo.InvariantCulture);
                canvas.DrawTextCentered(text, x + cell / 2, y + (cell - BitmapFont.Height) / 2, share > 0.25 ? Rgb.White : Rgb.Text, bold: a == p);
            }

            canvas.DrawText(names[a], gridLeft - 8 - BitmapFont.Measure(names[a]), gridTop + a * cell + (cell - BitmapFont.Height) / 2, Rgb.Text);
        }

        for (int k = 0; k <= n; k++)
        {
            canvas.FillRectangle(gridLeft + k * cell, gridTop, 1, n * cell + 1, Rgb.Grid.Mix(Rgb.Axis, 0.3));
            canvas.FillRectangle(gridLeft, gridTop + k * cell, n * cell + 1, 1, Rgb.Grid.Mix(Rgb.Axis, 0.3));
        }

        int labelsTop = gridTop + n * cell + 6;
        for (int p = 0; p < n; p++)
        {
            int center = gridLeft + p * cell + cell / 2;
            if (columnLabelHeight > BitmapFont.Height + 8)
            {
                canvas.DrawTextUpwards(names[p], center - BitmapFont.Height / 2, labelsTop + BitmapFont.Measure(names[p]) / 2, Rgb.Text);
            }
            else
            {
                canvas.DrawTextCentered(names[p], center, labelsTop, Rgb.Text);
            }
        }

        canvas.DrawTextCentered("predicted class", gridLeft + n * cell / 2, labelsTop + columnLabelHeight, Rgb.Text);
        canvas.DrawTextUpwards("actual class", Margin, gridTop + n * cell / 2, Rgb.Text);
        return canvas;
    }
}
