using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;
using NetGen;
using NetGen.Onnx;

namespace NetGen.Benchmarks.Peers;

/// <summary>
/// ONNX Runtime running exactly a NetGen network: the model is <see cref="OnnxExporter"/>'s export of it (same layers,
/// same weights; a <see cref="QuantizedNetwork"/>'s compressed ones), with a fixed batch (one sample unless given), run on
/// one intra-op thread (or the given number) and one inter-op thread with all graph optimisations, through an IOBinding
/// whose input and output OrtValues wrap pinned managed arrays, so that a measured call is just <see cref="Run"/>.
/// </summary>
internal sealed class OrtPeer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();

    public OrtPeer(INetwork<float> network, float[] input, float[] output, int batch = 1, int threads = 1)
    {
        var spec = network.Spec;
        string path = Path.Combine(Path.GetTempPath(), $"netgen-bench-{Environment.ProcessId}-{spec.ParameterCount}-{Guid.NewGuid():N}.onnx");
        OnnxExporter.Export(network, path, new OnnxExportOptions { BatchSize = batch });
        try
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(path, options);
        }
        finally
        {
            File.Delete(path);
        }

        // CreateTensorValueFromMemory pins the arrays for the OrtValues' lifetime: ORT reads and writes them in place.
        _inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, spec.InputSize]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(output, [batch, spec.OutputSize]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("input", _inputValue);
        _binding.BindOutput("output", _outputValue);
    }

    /// <summary>One inference of the bound input into the bound output.</summary>
    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
