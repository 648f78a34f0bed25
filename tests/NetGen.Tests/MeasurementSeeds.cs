using System;
using System.Globalization;

namespace NetGen.Tests;

/// <summary>
/// How many seeds the tests of a mean over seeds (issue 21's Bayesian, Laplace and pruning figures) use. Every test
/// run uses a small default so the suite stays short; <c>NETGEN_SEEDS=N</c> (a whole number) runs N seeds instead, as
/// for the README's figures: <c>NETGEN_SEEDS=10 dotnet test tests/NetGen.Tests -c Release --filter "FullyQualifiedName~Bayesian"</c>.
/// </summary>
internal static class MeasurementSeeds
{
    /// <summary>The number of seeds from NETGEN_SEEDS, or <paramref name="defaultCount"/> when it is not set.</summary>
    public static int Count(int defaultCount)
    {
        string? text = Environment.GetEnvironmentVariable("NETGEN_SEEDS");
        if (string.IsNullOrEmpty(text))
        {
            return defaultCount;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1
            ? count
            : throw new InvalidOperationException($"NETGEN_SEEDS is '{text}'; it must be a whole number of at least 1.");
    }
}
