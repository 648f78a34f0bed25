using System;
using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Peers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// One single-sample inference of one shape by four engines on the same weights and input: NetGen generated (the
/// baseline), NetGen interpreted, ONNX Runtime (the network exported by OnnxExporter, IOBinding, one thread) and
/// TorchSharp (the mirroring nn.Sequential, no_grad, one thread). Each engine is set up only in its own benchmark
/// process, so no peer's native runtime or threads are present while another engine is measured.
/// </summary>
/// <remarks>
/// Every engine delivers the output into the same float[]: NetGen writes the span, ORT's output OrtValue is bound over
/// it, TorchSharp copies its result tensor into it. ORT's and TorchSharp's outputs are checked against NetGen's (within
/// 1e-5) in their setup.
/// </remarks>
[BenchmarkCategory("inference")]
public abstract class InferenceBenchmark
{
    /// <summary>The name of the generated-engine benchmark each shape declares on its concrete network type.</summary>
    protected const string GeneratedMethod = "Generated";

    private INetwork<float> _interpreted = null!;
    private OrtPeer? _ort;
    private Sequential? _torchModel;
    private Tensor? _torchInput;
    private IDisposable? _noGrad;
    private float[] _expected = [];

    /// <summary>The sample.</summary>
    protected float[] Input { get; private set; } = [];

    /// <summary>Where every engine writes its output.</summary>
    protected float[] Output { get; private set; } = [];

    /// <summary>The shape's generated network.</summary>
    protected abstract INetwork<float> Network { get; }

    /// <summary>Initialises the generated network's weights and the sample.</summary>
    [GlobalSetup(Target = GeneratedMethod)]
    public void SetupGenerated()
    {
        Network.InitializeParameters(Fixtures.WeightSeed);
        Input = Fixtures.Uniform(Network.Spec.InputSize, seed: 2);
        // NETGEN_INPUT_ALIGN=k (0 to 63, a multiple of 4) places the sample at k bytes past a 64-byte boundary. An ordinary
        // array lands wherever the allocations before it leave it, and the same generated code moves by several per cent
        // with that placement, so comparing two commits wants it fixed: set it for bench/compare-commits.sh, with the same
        // lines in the older commit's harness (bench/results/compare-de455d3-bf18f5c-aligned was measured so).
        if (Environment.GetEnvironmentVariable("NETGEN_INPUT_ALIGN") is { } align)
        {
            int target = int.Parse(align, System.Globalization.CultureInfo.InvariantCulture);
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                var candidate = GC.AllocateArray<float>(Input.Length, pinned: true);
                unsafe
                {
                    if ((((nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref candidate[0])) & 63) == target)
                    {
                        Input.CopyTo(candidate);
                        Input = candidate;
                        break;
                    }
                }
            }
        }

        Output = new float[Network.Spec.OutputSize];
        _expected = new float[Network.Spec.OutputSize];
        Network.Forward(Input, _expected);
    }

    /// <summary>The interpreted twin with the same parameters.</summary>
    [GlobalSetup(Target = nameof(Interpreted))]
    public void SetupInterpreted()
    {
        SetupGenerated();
        var interpreted = new InterpretedNetwork<float>(Network.Spec);
        Network.Parameters.CopyTo(interpreted.Parameters);
        _interpreted = interpreted;
        _interpreted.Forward(Input, Output);
        Fixtures.CheckClose("The interpreted engine's output", _expected, Output);
    }

    /// <summary>ONNX Runtime on the exported network.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        SetupGenerated();
        _ort = new OrtPeer(Network, Input, Output);
        _ort.Run();
        Fixtures.CheckClose("ONNX Runtime's output", _expected, Output);
    }

    /// <summary>TorchSharp on the mirroring Sequential, one thread, gradients off.</summary>
    [GlobalSetup(Target = nameof(TorchSharpCpu))]
    public void SetupTorchSharp()
    {
        SetupGenerated();
        TorchPeer.Require(threads: 1);
        _torchModel = TorchPeer.Build(Network, includeOutputActivation: true);
        _torchModel.eval();
        _noGrad = no_grad();
        _torchInput = tensor(Input, [1, Input.Length]);
        TorchSharpCpu();
        Fixtures.CheckClose("TorchSharp's output", _expected, Output);
    }

    /// <summary>Releases the peers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ort?.Dispose();
        _torchInput?.Dispose();
        _torchModel?.Dispose();
        _noGrad?.Dispose();
    }

    /// <summary>The interpreted engine (a loop over the shared NetworkSpec).</summary>
    [Benchmark(Description = "NetGen interpreted")]
    public void Interpreted() => _interpreted.Forward(Input, Output);

    /// <summary>ONNX Runtime 1.31.1, IOBinding, one thread.</summary>
    [Benchmark(Description = "ONNX Runtime")]
    public void OnnxRuntime() => _ort!.Run();

    /// <summary>TorchSharp-cpu 0.107 (libtorch 2.10), no_grad, one thread: forward, then the result into the output array.</summary>
    [Benchmark(Description = "TorchSharp")]
    public void TorchSharpCpu()
    {
        using var scope = NewDisposeScope();
        var result = _torchModel!.forward(_torchInput!);
        using var values = result.data<float>();
        values.CopyTo(Output, 0, 0);
    }
}

/// <summary>2-4-1 tanh/sigmoid.</summary>
public class Inference_2_4_1 : InferenceBenchmark
{
    private readonly Xor241 _network = new();

    /// <inheritdoc/>
    protected override INetwork<float> Network => _network;

    /// <summary>The generated network, called through its concrete type as an application would.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public void Generated() => _network.Forward(Input, Output);
}

/// <summary>8-16-1 tanh.</summary>
public class Inference_8_16_1 : InferenceBenchmark
{
    private readonly Tanh8161 _network = new();

    /// <inheritdoc/>
    protected override INetwork<float> Network => _network;

    /// <summary>The generated network, called through its concrete type as an application would.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public void Generated() => _network.Forward(Input, Output);
}

/// <summary>64-32-10 relu/softmax.</summary>
public class Inference_64_32_10 : InferenceBenchmark
{
    private readonly Digits643210 _network = new();

    /// <inheritdoc/>
    protected override INetwork<float> Network => _network;

    /// <summary>The generated network, called through its concrete type as an application would.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public void Generated() => _network.Forward(Input, Output);
}

/// <summary>784-128-10 relu/softmax.</summary>
public class Inference_784_128_10 : InferenceBenchmark
{
    private readonly Mnist78412810 _network = new();

    /// <inheritdoc/>
    protected override INetwork<float> Network => _network;

    /// <summary>The generated network, called through its concrete type as an application would.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public void Generated() => _network.Forward(Input, Output);

    /// <summary>Sets up the weight-reading floor.</summary>
    [GlobalSetup(Target = nameof(ReadWeights))]
    public void SetupReadWeights() => SetupGenerated();

    /// <summary>
    /// Not an engine: one pass of vector loads over the network's parameters, the bytes every single-sample inference of
    /// any engine must read. Past the L2 cache it is the floor under every figure in this table.
    /// </summary>
    [Benchmark(Description = "(floor: read the weights once)")]
    public float ReadWeights() => Fixtures.ReadAll(_network.Parameters);
}

/// <summary>784-256-128-10 relu/softmax.</summary>
public class Inference_784_256_128_10 : InferenceBenchmark
{
    private readonly Mnist78425612810 _network = new();

    /// <inheritdoc/>
    protected override INetwork<float> Network => _network;

    /// <summary>The generated network, called through its concrete type as an application would.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public void Generated() => _network.Forward(Input, Output);

    /// <summary>Sets up the weight-reading floor.</summary>
    [GlobalSetup(Target = nameof(ReadWeights))]
    public void SetupReadWeights() => SetupGenerated();

    /// <summary>
    /// Not an engine: one pass of vector loads over the network's parameters, the bytes every single-sample inference of
    /// any engine must read. Past the L2 cache it is the floor under every figure in this table.
    /// </summary>
    [Benchmark(Description = "(floor: read the weights once)")]
    public float ReadWeights() => Fixtures.ReadAll(_network.Parameters);
}
