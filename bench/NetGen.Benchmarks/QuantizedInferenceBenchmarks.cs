using System;
using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Peers;

namespace NetGen.Benchmarks;

/// <summary>
/// Single-sample inference with compressed weights (issue 19): the generated float network (the baseline), NetGen's
/// <see cref="QuantizedNetwork"/> with int8 weights, bfloat16 weights and full int8, and ONNX Runtime on the float model
/// and on NetGen's exports of the same quantized networks (DequantizeLinear into Gemm; QuantizeLinear and MatMulInteger,
/// ONNX Runtime's integer kernels). Each engine is set up only in its own benchmark process.
/// </summary>
/// <remarks>
/// The weights are the float network's (Xavier uniform, seed 1); full int8 is calibrated on 256 uniform samples. Every
/// ONNX Runtime model's output is checked against its NetGen counterpart in setup (within 1e-4).
/// </remarks>
[BenchmarkCategory("inference", "quantized")]
public abstract class QuantizedInferenceBenchmark
{
    /// <summary>The name of the generated-engine benchmark each shape declares on its concrete network type.</summary>
    protected const string GeneratedMethod = "Generated";

    private QuantizedNetwork? _quantized;
    private OrtPeer? _ort;

    /// <summary>The sample.</summary>
    protected float[] Input { get; private set; } = [];

    /// <summary>Where every engine writes its output.</summary>
    protected float[] Output { get; private set; } = [];

    /// <summary>The shape's generated float network.</summary>
    protected abstract INetwork<float> Network { get; }

    /// <summary>The same shape declared with <c>InferenceWeights = WeightFormat.Int8</c>.</summary>
    protected abstract INetwork<float> GeneratedInt8 { get; }

    /// <summary>The same shape declared with <c>InferenceWeights = WeightFormat.BFloat16</c>.</summary>
    protected abstract INetwork<float> GeneratedBFloat16 { get; }

    /// <summary>The generated int8 network with the float network's parameters (compressed at its first Forward).</summary>
    [GlobalSetup(Target = nameof(GeneratedInt8Weights))]
    public void SetupGeneratedInt8() => CopyInto(GeneratedInt8, "int8");

    /// <summary>The generated bfloat16 network with the float network's parameters.</summary>
    [GlobalSetup(Target = nameof(GeneratedBFloat16Weights))]
    public void SetupGeneratedBFloat16() => CopyInto(GeneratedBFloat16, "bf16");

    /// <summary>The generated network declared with int8 inference weights.</summary>
    [Benchmark(Description = "NetGen int8 weights (generated)")]
    public void GeneratedInt8Weights() => GeneratedInt8.Forward(Input, Output);

    /// <summary>The generated network declared with bfloat16 inference weights.</summary>
    [Benchmark(Description = "NetGen bf16 weights (generated)")]
    public void GeneratedBFloat16Weights() => GeneratedBFloat16.Forward(Input, Output);

    /// <summary>Initialises the generated network's weights and the sample.</summary>
    [GlobalSetup(Target = GeneratedMethod)]
    public void SetupGenerated()
    {
        Network.InitializeParameters(Fixtures.WeightSeed);
        Input = Fixtures.Uniform(Network.Spec.InputSize, seed: 2);
        Output = new float[Network.Spec.OutputSize];
        Network.Forward(Input, Output);
    }

    /// <summary>int8 weights.</summary>
    [GlobalSetup(Target = nameof(Int8Weights))]
    public void SetupInt8() => _quantized = Quantized("int8");

    /// <summary>bfloat16 weights.</summary>
    [GlobalSetup(Target = nameof(BFloat16Weights))]
    public void SetupBFloat16() => _quantized = Quantized("bf16");

    /// <summary>Full int8.</summary>
    [GlobalSetup(Target = nameof(FullInt8))]
    public void SetupFullInt8() => _quantized = Quantized("full int8");

    /// <summary>ONNX Runtime on the float model.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntimeFloat))]
    public void SetupOnnxRuntimeFloat()
    {
        SetupGenerated();
        var expected = (float[])Output.Clone();
        _ort = new OrtPeer(Network, Input, Output);
        _ort.Run();
        Fixtures.CheckClose("ONNX Runtime's output", expected, Output);
    }

    /// <summary>ONNX Runtime on the int8-weight model.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntimeInt8Weights))]
    public void SetupOnnxRuntimeInt8() => SetupOnnxRuntimeQuantized("int8");

    /// <summary>ONNX Runtime on the full-int8 model.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntimeFullInt8))]
    public void SetupOnnxRuntimeFullInt8() => SetupOnnxRuntimeQuantized("full int8");

    /// <summary>Releases the peer.</summary>
    [GlobalCleanup]
    public void Cleanup() => _ort?.Dispose();

    /// <summary>QuantizedNetwork with int8 weights (one scale per neuron), float activations.</summary>
    [Benchmark(Description = "NetGen int8 weights")]
    public void Int8Weights() => _quantized!.Forward(Input, Output);

    /// <summary>QuantizedNetwork with bfloat16 weights, float activations.</summary>
    [Benchmark(Description = "NetGen bf16 weights")]
    public void BFloat16Weights() => _quantized!.Forward(Input, Output);

    /// <summary>QuantizedNetwork in full int8 (8-bit activations, integer dot products).</summary>
    [Benchmark(Description = "NetGen full int8")]
    public void FullInt8() => _quantized!.Forward(Input, Output);

    /// <summary>ONNX Runtime 1.31.1 on the float model, IOBinding, one thread.</summary>
    [Benchmark(Description = "ONNX Runtime float")]
    public void OnnxRuntimeFloat() => _ort!.Run();

    /// <summary>ONNX Runtime on the int8-weight model (DequantizeLinear into Gemm).</summary>
    [Benchmark(Description = "ONNX Runtime int8 weights")]
    public void OnnxRuntimeInt8Weights() => _ort!.Run();

    /// <summary>ONNX Runtime on the full-int8 model (QuantizeLinear, MatMulInteger).</summary>
    [Benchmark(Description = "ONNX Runtime full int8")]
    public void OnnxRuntimeFullInt8() => _ort!.Run();

    private QuantizedNetwork Quantized(string format)
    {
        SetupGenerated();
        var quantized = format switch
        {
            "int8" => QuantizedNetwork.Create(Network, WeightFormat.Int8),
            "bf16" => QuantizedNetwork.Create(Network, WeightFormat.BFloat16),
            _ => QuantizedNetwork.CreateFullInt8(Network, Fixtures.Uniform(256 * Network.Spec.InputSize, seed: 3)),
        };
        quantized.Forward(Input, Output);
        return quantized;
    }

    // The generated compressed network with the float network's parameters, checked against QuantizedNetwork's output.
    private void CopyInto(INetwork<float> compressed, string format)
    {
        Quantized(format);
        var expected = (float[])Output.Clone();
        Network.Parameters.CopyTo(compressed.Parameters);
        compressed.Forward(Input, Output);
        Fixtures.CheckClose($"the generated {format} network's output", expected, Output, tolerance: 1e-5f);
    }

    private void SetupOnnxRuntimeQuantized(string format)
    {
        var quantized = Quantized(format);
        var expected = (float[])Output.Clone();
        _ort = new OrtPeer(quantized, Input, Output);
        _ort.Run();
        Fixtures.CheckClose($"ONNX Runtime's output ({format})", expected, Output, tolerance: 1e-4f);
    }
}

/// <summary>784-128-10 relu/softmax with compressed weights.</summary>
public class QuantizedInference_784_128_10 : QuantizedInferenceBenchmark
{
    private readonly Mnist78412810 _network = new();
    private readonly Mnist78412810Int8 _int8 = new();
    private readonly Mnist78412810BFloat16 _bfloat16 = new();

    /// <inheritdoc/>
    protected override INetwork<float> Network => _network;

    /// <inheritdoc/>
    protected override INetwork<float> GeneratedInt8 => _int8;

    /// <inheritdoc/>
    protected override INetwork<float> GeneratedBFloat16 => _bfloat16;

    /// <summary>The generated float network.</summary>
    [Benchmark(Baseline = true, Description = "NetGen float (generated)")]
    public void Generated() => _network.Forward(Input, Output);
}

/// <summary>784-256-128-10 relu/softmax with compressed weights.</summary>
public class QuantizedInference_784_256_128_10 : QuantizedInferenceBenchmark
{
    private readonly Mnist78425612810 _network = new();
    private readonly Mnist78425612810Int8 _int8 = new();
    private readonly Mnist78425612810BFloat16 _bfloat16 = new();

    /// <inheritdoc/>
    protected override INetwork<float> Network => _network;

    /// <inheritdoc/>
    protected override INetwork<float> GeneratedInt8 => _int8;

    /// <inheritdoc/>
    protected override INetwork<float> GeneratedBFloat16 => _bfloat16;

    /// <summary>The generated float network.</summary>
    [Benchmark(Baseline = true, Description = "NetGen float (generated)")]
    public void Generated() => _network.Forward(Input, Output);
}

/// <summary>
/// Batched inference of 784-128-10 (issue 19): the generated network's block kernels through an
/// <see cref="InferenceWorkspace{T}"/> on one or two threads, the same network's Forward once per sample, and ONNX
/// Runtime on the float model with a fixed batch and as many intra-op threads. GFLOP/s counts two operations per weight
/// per sample.
/// </summary>
[BenchmarkCategory("inference", "batched")]
[FlopsPerSample(2L * ((784 * 128) + (128 * 10)))]
public class BatchedInference_784_128_10
{
    private readonly Mnist78412810 _network = new();
    private InferenceWorkspace<float>? _workspace;
    private OrtPeer? _ort;
    private float[] _inputs = [];
    private float[] _outputs = [];

    /// <summary>Samples per batch.</summary>
    [Params(64, 1024)]
    public int BatchSize { get; set; }

    /// <summary>Threads sharing a batch (ONNX Runtime: intra-op threads).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The network, the batch and the workspace.</summary>
    [GlobalSetup(Targets = [nameof(Generated), nameof(PerSample)])]
    public void SetupGenerated()
    {
        _network.InitializeParameters(Fixtures.WeightSeed);
        _inputs = Fixtures.Uniform(BatchSize * 784, seed: 2);
        _outputs = new float[BatchSize * 10];
        _workspace = new InferenceWorkspace<float>(Mnist78412810.Spec, Threads);
        _network.Forward(_inputs, _outputs, _workspace);
    }

    /// <summary>ONNX Runtime with a fixed batch, checked against NetGen's outputs.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        SetupGenerated();
        var expected = (float[])_outputs.Clone();
        _ort = new OrtPeer(_network, _inputs, _outputs, BatchSize, Threads);
        _ort.Run();
        Fixtures.CheckClose("ONNX Runtime's batched output", expected, _outputs);
    }

    /// <summary>Releases the workspace's threads and the peer.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _workspace?.Dispose();
        _ort?.Dispose();
    }

    /// <summary>The generated network's block kernels.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated, batched")]
    public void Generated() => _network.Forward(_inputs, _outputs, _workspace!);

    /// <summary>The generated network's single-sample Forward once per sample, on the calling thread (Threads is ignored).</summary>
    [Benchmark(Description = "NetGen generated, Forward per sample")]
    public void PerSample()
    {
        for (int s = 0; s < BatchSize; s++)
        {
            _network.Forward(_inputs.AsSpan(s * 784, 784), _outputs.AsSpan(s * 10, 10));
        }
    }

    /// <summary>ONNX Runtime 1.31.1, the float model with a fixed batch, IOBinding.</summary>
    [Benchmark(Description = "ONNX Runtime, batched")]
    public void OnnxRuntime() => _ort!.Run();
}

/// <summary>784-128-10 relu/softmax, Forward reading int8 weights.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.Int8)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Mnist78412810Int8;

/// <summary>784-128-10 relu/softmax, Forward reading bfloat16 weights.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.BFloat16)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Mnist78412810BFloat16;

/// <summary>784-256-128-10 relu/softmax, Forward reading int8 weights.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.Int8)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Mnist78425612810Int8;

/// <summary>784-256-128-10 relu/softmax, Forward reading bfloat16 weights.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, InferenceWeights = WeightFormat.BFloat16)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Mnist78425612810BFloat16;
