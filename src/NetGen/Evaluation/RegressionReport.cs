using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text;

namespace NetGen.Evaluation;

/// <summary>One output's regression scores.</summary>
/// <param name="MeanSquaredError">(1/n) Σ (y − ŷ)²: the plain mean, not NetGen's training loss ½‖y − ŷ‖².</param>
/// <param name="MeanAbsoluteError">(1/n) Σ |y − ŷ|.</param>
/// <param name="R2">
/// The coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)²: 1 is perfect, 0 is no better than predicting the mean,
/// and it can be negative. For a constant target, 1 when every prediction is exact and 0 otherwise (scikit-learn's
/// <c>force_finite</c>).
/// </param>
public readonly record struct RegressionMetrics(double MeanSquaredError, double MeanAbsoluteError, double R2);

/// <summary>
/// How well a regression network did on a data set: mean squared error, mean absolute error and R² per output and
/// averaged uniformly over the outputs (scikit-learn's <c>multioutput='uniform_average'</c>).
/// </summary>
public sealed class RegressionReport
{
    private RegressionReport(int count, RegressionMetrics[] outputs)
    {
        Count = count;
        Outputs = outputs;
        MeanSquaredError = outputs.Average(o => o.MeanSquaredError);
        MeanAbsoluteError = outputs.Average(o => o.MeanAbsoluteError);
        R2 = outputs.Average(o => o.R2);
    }

    /// <summary>The number of samples evaluated.</summary>
    public int Count { get; }

    /// <summary>Each output's scores.</summary>
    public IReadOnlyList<RegressionMetrics> Outputs { get; }

    /// <summary>The outputs' mean squared errors, averaged.</summary>
    public double MeanSquaredError { get; }

    /// <summary>The outputs' mean absolute errors, averaged.</summary>
    public double MeanAbsoluteError { get; }

    /// <summary>The outputs' R², averaged.</summary>
    public double R2 { get; }

    /// <summary>Scores predictions against actual values.</summary>
    /// <typeparam name="T">The floating-point type.</typeparam>
    /// <param name="actual">n × outputCount actual values, sample-major.</param>
    /// <param name="predicted">n × outputCount predictions, sample-major.</param>
    /// <param name="outputCount">The number of values per sample, at least 1.</param>
    /// <exception cref="ArgumentException">The lengths disagree or there are no samples.</exception>
    public static RegressionReport Create<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> predicted, int outputCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCount, 1);
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} actual values but {predicted.Length} predictions.", nameof(predicted));
        }

        if (actual.IsEmpty || actual.Length % outputCount != 0)
        {
            throw new ArgumentException($"{actual.Length} values are not a whole, non-zero number of samples of {outputCount} outputs.", nameof(actual));
        }

        int count = actual.Length / outputCount;
        var outputs = new RegressionMetrics[outputCount];
        for (int j = 0; j < outputCount; j++)
        {
            double mean = 0;
            for (int i = 0; i < count; i++)
            {
                mean += double.CreateTruncating(actual[i * outputCount + j]);
            }

            mean /= count;
            double squares = 0, absolutes = 0, total = 0;
            for (int i = 0; i < count; i++)
            {
                double y = double.CreateTruncating(actual[i * outputCount + j]);
                double error = y - double.CreateTruncating(predicted[i * outputCount + j]);
                squares += error * error;
                absolutes += Math.Abs(error);
                total += (y - mean) * (y - mean);
            }

            double r2 = total != 0 ? 1 - squares / total : squares == 0 ? 1.0 : 0.0;
            outputs[j] = new RegressionMetrics(squares / count, absolutes / count, r2);
        }

        return new RegressionReport(count, outputs);
    }

    /// <summary>The scores as text: the averages, then each output's when there are several.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Count} samples: MSE {MeanSquaredError:G6}, MAE {MeanAbsoluteError:G6}, R² {R2:0.0000}\n");
        if (Outputs.Count > 1)
        {
            for (int j = 0; j < Outputs.Count; j++)
            {
                text.Append(CultureInfo.InvariantCulture, $"  output {j}: MSE {Outputs[j].MeanSquaredError:G6}, MAE {Outputs[j].MeanAbsoluteError:G6}, R² {Outputs[j].R2:0.0000}\n");
            }
        }

        return text.ToString();
    }
}
