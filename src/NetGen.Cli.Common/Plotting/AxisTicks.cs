using System;
using System.Collections.Generic;
using System.Globalization;

namespace NetGen.Cli.Plotting;

/// <summary>A tick on an axis: where (in data units) and its label, or no label for a minor tick.</summary>
internal readonly record struct Tick(double Position, string? Label);

/// <summary>Where ticks go: at "nice" steps (1, 2 or 5 × 10^k) on a linear axis, at m × 10^k on a log axis.</summary>
internal static class AxisTicks
{
    /// <summary>About <paramref name="target"/> labelled ticks at a nice step covering [minimum, maximum].</summary>
    public static List<Tick> Linear(double minimum, double maximum, int target, bool integersOnly)
    {
        double step = NiceStep((maximum - minimum) / Math.Max(1, target));
        if (integersOnly)
        {
            step = Math.Max(1, Math.Round(step));
        }

        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var ticks = new List<Tick>();
        for (double value = Math.Ceiling(minimum / step - 1e-9) * step; value <= maximum + step * 1e-9; value += step)
        {
            double rounded = Math.Round(value, Math.Min(15, decimals));
            if (rounded == 0)
            {
                // Steps that land on zero from below give −0, which would print as "-0.0".
                rounded = 0;
            }

            ticks.Add(new Tick(rounded, rounded.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));
        }

        return ticks;
    }

    /// <summary>
    /// Ticks for an axis that shows log10 of the values, at m × 10^k: within a decade every m = 1 … 9 (and the halves
    /// below 3 within half a decade) is labelled, over a few decades m = 1, 2, 5, over many only the powers of ten; the
    /// other integer m are minor ticks.
    /// </summary>
    public static List<Tick> Logarithmic(double minimum, double maximum)
    {
        double decades = maximum - minimum;
        double[] mantissas = decades < 0.5 ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var ticks = new List<Tick>();
        for (int k = (int)Math.Floor(minimum) - 1; k <= (int)Math.Ceiling(maximum); k++)
        {
            foreach (double m in mantissas)
            {
                double position = k + Math.Log10(m);
                if (position < minimum - 1e-9 || position > maximum + 1e-9)
                {
                    continue;
                }

                bool major = m == 1 || decades < 1 || (decades <= 4 && m is 2 or 5);
                ticks.Add(new Tick(position, major ? FormatPower(m, k) : null));
            }
        }

        return ticks;
    }

    private static string FormatPower(double mantissa, int exponent) =>
        exponent is >= -4 and <= 4
            ? (mantissa * Math.Pow(10, exponent)).ToString("0.#####", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{mantissa}e{exponent}");

    private static double NiceStep(double rough)
    {
        if (!(rough > 0) || !double.IsFinite(rough))
        {
            return 1;
        }

        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
    }
}
