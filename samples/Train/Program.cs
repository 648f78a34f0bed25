using System;
using System.Threading;
using NetGen.Samples.Train;
using Spectre.Console;

// The main job: dotnet run -c Release --project samples/Train [-- --help]
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops training at the next mini-batch (the best weights so far are still tested and saved);
    // a second one ends the process at once.
    e.Cancel = !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};

bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;
return TrainCli.Run(args, Console.Out, Console.Error, interactive ? AnsiConsole.Console : null, interrupt.Token);
