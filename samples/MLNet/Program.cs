using System;
using System.Globalization;
using NetGen.Samples.MLNet;

// NetGen networks as ML.NET trainers, side by side with ML.NET's LightGBM and SDCA (maximum entropy) on the same split
// of the same data, through the same pipeline (MapValueToKey, NormalizeMeanVariance) and ML.NET's own metrics.
//
//   dotnet run -c Release --project samples/MLNet                  # five runs, medians
//   dotnet run -c Release --project samples/MLNet -- --runs 9
int runs = 5;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--runs" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
    {
        runs = n;
        i++;
    }
    else
    {
        Console.Error.WriteLine($"unknown or invalid argument '{args[i]}'; usage: MLNet [--runs N]   (N >= 1, default 5)");
        return 2;
    }
}

Console.WriteLine($"Medians of {runs} runs; each run trains every model afresh on the same split. Times are wall-clock on this machine.");
Console.WriteLine();
Comparison.Run(DataSets.Digits(), runs);
Console.WriteLine();
Comparison.Run(DataSets.Iris(), runs);
return 0;
