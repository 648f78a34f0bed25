using System;
using System.IO;
using System.Linq;
using NetGen.Data;

namespace NetGen.Tests.Bayesian;

/// <summary>The three regression sets of issue 21, split and standardised the same way for every method.</summary>
internal static class RegressionSets
{
    public const double SineNoise = 0.2;

    /// <summary>y = sin(πx) + N(0, 0.2²), x uniform in [−1, 1]: 80 training, 40 validation and 1,000 test points.</summary>
    public static (Dataset<double> Train, Dataset<double> Validation, Dataset<double> Test) NoisySine(ulong seed)
    {
        var random = new SeededRandom(seed);
        Dataset<double> Draw(int count)
        {
            var x = new double[count];
            var y = new double[count];
            for (int i = 0; i < count; i++)
            {
                x[i] = -1.0 + (2.0 * random.NextDouble());
                y[i] = Math.Sin(Math.PI * x[i]) + (SineNoise * random.NextGaussian());
            }

            return new Dataset<double>(x, y, 1, 1);
        }

        return (Draw(80), Draw(40), Draw(1000));
    }

    /// <summary>A CSV set of data/ (target last): a seeded 60/20/20 split, features and target standardised with the
    /// training rows' statistics.</summary>
    public static (Dataset<double> Train, Dataset<double> Validation, Dataset<double> Test) Load(string file, ulong seed)
    {
        var data = CsvLoader.Load<double>(Path.Combine(AppContext.BaseDirectory, "Data", file), new CsvOptions { HasHeader = true, TargetColumns = 1 });
        var split = DatasetSplit.Split(data, 0.6, 0.2, seed);
        var scaler = Standardizer<double>.Fit(split.Train);
        double mean = split.Train.Targets.ToArray().Average();
        double deviation = Math.Sqrt(split.Train.Targets.ToArray().Select(t => (t - mean) * (t - mean)).Average());
        Dataset<double> Scale(Dataset<double> part)
        {
            var features = scaler.Transform(part);
            var targets = part.Targets.ToArray().Select(t => (t - mean) / deviation).ToArray();
            return new Dataset<double>(features.Features.ToArray(), targets, features.FeatureCount, 1);
        }

        return (Scale(split.Train), Scale(split.Validation), Scale(split.Test));
    }

    /// <summary>Mean over samples of (y − a)² for a single-output network.</summary>
    public static double MeanSquaredError(INetwork<double> network, Dataset<double> data)
    {
        var output = new double[1];
        double total = 0;
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.GetFeatures(i), output);
            double error = data.GetTargets(i)[0] - output[0];
            total += error * error;
        }

        return total / data.Count;
    }
}
