using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using NetGen.Data;
using NetGen.IO;
using NetGen.Onnx;

namespace NetGen.Tool.Commands;

/// <summary>
/// <c>netgen export-onnx MODEL.safetensors MODEL.onnx</c>: writes the model as an ONNX model that takes raw features,
/// its scaler as <c>Sub</c> and <c>Div</c> nodes before the first layer.
/// </summary>
internal static class ExportOnnxCommand
{
    public const string Name = "export-onnx";

    public static readonly OptionSpec[] Options =
    [
        new("--batch-size", "N", "a fixed batch dimension (default: dynamic, any number of rows)"),
    ];

    public static string Usage { get; } = ToolCli.FormatUsage(
        "netgen export-onnx MODEL.safetensors MODEL.onnx [--batch-size N]",
        """
        Writes the model as an opset-17 ONNX model (ONNX Runtime, Netron, …): input 'input' [batch, features] of raw
        features, the stored scaler as Sub and Div nodes, a Gemm per dense layer with its activation, output 'output'
        [batch, outputs]. The file is replaced atomically.
        """,
        Options);

    /// <summary>Runs the command.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var arguments = Arguments.Parse(Name, args, ["MODEL.safetensors", "MODEL.onnx"], Options);
        int? batch = arguments.Int("--batch-size", 1);
        string target = arguments.Positionals[1];
        if (Directory.Exists(target))
        {
            throw new IOException($"'{target}' is a folder; give the ONNX file's name, such as model.onnx.");
        }

        var model = ModelFile.Load(arguments.Positionals[0]);
        cancellationToken.ThrowIfCancellationRequested();
        OnnxExporter.Export(model, target, new OnnxExportOptions { BatchSize = batch });

        var spec = model.Network.Spec;
        string scaling = model.Scaler switch
        {
            Standardizer<float> => "standardised inside (Sub, Div)",
            MinMaxScaler<float> => "min-max scaled inside (Sub, Div)",
            _ => "used as they are (the model has no scaler)",
        };
        string dimension = batch?.ToString(CultureInfo.InvariantCulture) ?? "batch";
        output.WriteLine($"Wrote {Path.GetFullPath(target)}: {spec.DescribeArchitecture()}.");
        output.WriteLine($"  input 'input' [{dimension}, {spec.InputSize}]: raw features, {scaling}");
        output.WriteLine($"  output 'output' [{dimension}, {spec.OutputSize}]: {OutputText(spec)}");
        output.WriteLine($"  metadata {WeightsFile.SpecMetadataKey}, {WeightsFile.PyTorchMetadataKey}{(model.Scaler is null ? string.Empty : ", " + WeightsFile.ScalerMetadataKey)}");
        return ToolCli.ExitSuccess;
    }

    private static string OutputText(NetworkSpec spec) => spec.Layers[^1].Activation switch
    {
        Activation.Softmax => "class probabilities (softmax)",
        Activation.Sigmoid when spec.OutputSize == 1 => "P(class 1) (sigmoid)",
        Activation.Identity => "predicted values",
        var activation => $"{activation} outputs",
    };
}
