using System;
using System.Threading;
using NetGen.Tool;

// netgen <command> [arguments]; `netgen --help` lists the commands.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops training at the next mini-batch (the best weights so far are still tested and saved);
    // a second one ends the process at once.
    e.Cancel = !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};

return ToolCli.Run(args, Console.Out, Console.Error, interrupt.Token);
