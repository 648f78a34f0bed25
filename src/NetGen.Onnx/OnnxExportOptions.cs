namespace NetGen.Onnx;

/// <summary>Settings of <see cref="OnnxExporter"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The name of the graph's input, a tensor of shape [batch, InputSize].</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The name of the graph's output, a tensor of shape [batch, OutputSize].</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>
    /// A fixed batch size, or null (the default) for a dynamic batch dimension named <see cref="BatchDimensionName"/>,
    /// so one model serves any number of samples.
    /// </summary>
    public int? BatchSize { get; init; }

    /// <summary>The symbolic name of a dynamic batch dimension.</summary>
    public string BatchDimensionName { get; init; } = "batch";

    /// <summary>The graph's name.</summary>
    public string GraphName { get; init; } = "netgen";
}
