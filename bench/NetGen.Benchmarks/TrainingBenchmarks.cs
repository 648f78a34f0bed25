using System;
using NetGen.Numerics;
using NetGen.Training;
using BenchmarkDotNet.Attributes;
using NetGen.Benchmarks.Peers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace NetGen.Benchmarks;

/// <summary>
/// One plain-SGD training step on a mini-batch that is already in memory: NetGen computes the batch's mean loss and
/// gradient (forward and backward) and applies w ← w − η∇C exactly as <c>SgdOptimizer</c> does (<c>SpanMath.MultiplyAdd</c>); TorchSharp runs
/// zero_grad, forward, the loss, backward and optimizer.step. Same network, same initial weights, same batch, same η.
/// </summary>
[BenchmarkCategory("training")]
public abstract class TrainingBenchmark
{
    /// <summary>The name of the generated-engine benchmark each network declares on its concrete type.</summary>
    protected const string GeneratedMethod = "Generated";

    private ITrainableNetwork<float> _interpreted = null!;
    private NetworkWorkspace _interpretedWorkspace = null!;
    private Sequential? _torchModel;
    private nn.Module<Tensor, Tensor, Tensor>? _torchLoss;
    private SGD? _torchOptimizer;
    private Tensor? _torchInputs;
    private Tensor? _torchTargets;

    /// <summary>The learning rate η.</summary>
    protected const float LearningRate = 0.01f;

    /// <summary>The batch's inputs, sample-major.</summary>
    protected float[] Inputs { get; private set; } = [];

    /// <summary>The batch's targets, sample-major.</summary>
    protected float[] Targets { get; private set; } = [];

    /// <summary>Receives ∇C.</summary>
    protected float[] Gradient { get; private set; } = [];

    /// <summary>The generated network's scratch memory.</summary>
    protected NetworkWorkspace Workspace { get; private set; } = null!;

    /// <summary>The network being trained (the generated one).</summary>
    protected abstract ITrainableNetwork<float> Network { get; }

    /// <summary>The number of samples in a step.</summary>
    protected abstract int Batch { get; }

    /// <summary>The batch's inputs and targets for the TorchSharp side.</summary>
    protected abstract (float[] Inputs, float[] Targets, long[] Labels) CreateBatch();

    /// <summary>The generated network with its initial weights and the batch.</summary>
    [GlobalSetup(Target = GeneratedMethod)]
    public void SetupGenerated()
    {
        Network.InitializeParameters(Fixtures.WeightSeed);
        (Inputs, Targets, _) = CreateBatch();
        Gradient = new float[Network.Spec.ParameterCount];
        Workspace = Network.CreateWorkspace(Batch);
    }

    /// <summary>The interpreted twin with the same parameters.</summary>
    [GlobalSetup(Target = nameof(Interpreted))]
    public void SetupInterpreted()
    {
        SetupGenerated();
        var interpreted = new InterpretedNetwork<float>(Network.Spec);
        Network.Parameters.CopyTo(interpreted.Parameters);
        _interpreted = interpreted;
        _interpretedWorkspace = interpreted.CreateWorkspace(Batch);
    }

    /// <summary>The mirroring Sequential (logits out), its loss and SGD, one thread.</summary>
    [GlobalSetup(Target = nameof(TorchSharpCpu))]
    public void SetupTorchSharp()
    {
        SetupGenerated();
        TorchPeer.Require(threads: 1);
        var (inputs, targets, labels) = CreateBatch();
        _torchModel = TorchPeer.Build(Network, includeOutputActivation: false);
        _torchModel.train();
        _torchInputs = tensor(inputs, [Batch, Network.Spec.InputSize]);
        switch (Network.Spec.Loss)
        {
            case NetGen.Loss.SoftmaxCrossEntropy:
                _torchLoss = nn.CrossEntropyLoss();
                _torchTargets = tensor(labels, [Batch]);
                break;
            case NetGen.Loss.BinaryCrossEntropy:
                _torchLoss = nn.BCEWithLogitsLoss();
                _torchTargets = tensor(targets, [Batch, Network.Spec.OutputSize]);
                break;
            default:
                throw new NotSupportedException($"No TorchSharp loss for {Network.Spec.Loss}.");
        }

        _torchOptimizer = optim.SGD(_torchModel.parameters(), LearningRate);
    }

    /// <summary>Releases what a shape added, then the peer.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        ReleaseResources();
        _torchOptimizer?.Dispose();
        _torchInputs?.Dispose();
        _torchTargets?.Dispose();
        _torchModel?.Dispose();
    }

    /// <summary>Releases what a shape added to the base's setup.</summary>
    protected virtual void ReleaseResources()
    {
    }

    /// <summary>The interpreted engine: forward, backward, SGD update.</summary>
    [Benchmark(Description = "NetGen interpreted")]
    public float Interpreted()
    {
        float loss = _interpreted.ComputeLossAndGradient(Inputs, Targets, Gradient, _interpretedWorkspace);
        Span<float> parameters = _interpreted.Parameters;
        SpanMath.MultiplyAdd(Gradient, -LearningRate, parameters);
        return loss;
    }

    /// <summary>TorchSharp-cpu 0.107 (libtorch 2.10), one thread: zero_grad, forward, loss, backward, optimizer.step.</summary>
    [Benchmark(Description = "TorchSharp")]
    public void TorchSharpCpu()
    {
        using var scope = NewDisposeScope();
        _torchOptimizer!.zero_grad();
        var output = _torchModel!.forward(_torchInputs!);
        var loss = _torchLoss!.forward(output, _torchTargets!);
        loss.backward();
        _torchOptimizer.step();
    }
}

/// <summary>XOR, 2-4-1 tanh/sigmoid with binary cross-entropy: one full-batch step over the four patterns.</summary>
[SamplesPerOperation(4)]
public class Training_Xor_2_4_1 : TrainingBenchmark
{
    private readonly Xor241 _network = new();

    /// <inheritdoc/>
    protected override ITrainableNetwork<float> Network => _network;

    /// <inheritdoc/>
    protected override int Batch => 4;

    /// <inheritdoc/>
    protected override (float[] Inputs, float[] Targets, long[] Labels) CreateBatch() =>
        ([0, 0, 0, 1, 1, 0, 1, 1], [0, 1, 1, 0], [0, 1, 1, 0]);

    /// <summary>The generated network: forward, backward, SGD update.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public float Generated()
    {
        float loss = _network.ComputeLossAndGradient(Inputs, Targets, Gradient, Workspace);
        Span<float> parameters = _network.Parameters;
        SpanMath.MultiplyAdd(Gradient, -LearningRate, parameters);
        return loss;
    }
}

/// <summary>784-128-10 relu/softmax with softmax cross-entropy on a mini-batch of 32 or 128 (uniform inputs, random classes).</summary>
public class Training_784_128_10 : TrainingBenchmark
{
    private readonly Mnist78412810 _network = new();
    private DataParallelNetwork<float>? _parallel;
    private NetworkWorkspace _parallelWorkspace = null!;
    private SgdSliceStep? _sgdSlices;

    /// <summary>Samples per step.</summary>
    [Params(32, 128)]
    public int BatchSize { get; set; } = 32;

    /// <inheritdoc/>
    protected override ITrainableNetwork<float> Network => _network;

    /// <inheritdoc/>
    protected override int Batch => BatchSize;

    /// <inheritdoc/>
    protected override (float[] Inputs, float[] Targets, long[] Labels) CreateBatch()
    {
        var inputs = Fixtures.Uniform(BatchSize * Mnist78412810.InputSize, seed: 3);
        var targets = Fixtures.Targets(Mnist78412810.Spec, BatchSize, seed: 4, out var labels);
        return (inputs, targets, labels);
    }

    /// <summary>The generated network: forward, backward, SGD update.</summary>
    [Benchmark(Baseline = true, Description = "NetGen generated")]
    public float Generated()
    {
        float loss = _network.ComputeLossAndGradient(Inputs, Targets, Gradient, Workspace);
        Span<float> parameters = _network.Parameters;
        SpanMath.MultiplyAdd(Gradient, -LearningRate, parameters);
        return loss;
    }

    /// <summary>The generated network wrapped in a two-thread DataParallelNetwork.</summary>
    [GlobalSetup(Targets = [nameof(GeneratedTwoThreads), nameof(GeneratedTwoThreadsUpdateAfter)])]
    public void SetupParallel()
    {
        SetupGenerated();
        _parallel = new DataParallelNetwork<float>(_network, threadCount: 2);
        _parallelWorkspace = _parallel.CreateWorkspace(BatchSize);
        _sgdSlices = new SgdSliceStep(_network, LearningRate);
    }

    /// <summary>
    /// The generated network, each batch split over two threads (DataParallelNetwork): forward, backward, and the SGD
    /// update applied inside the pass, each thread on the slice of the parameters whose gradient it combined, as
    /// <c>Trainer</c> does with an element-wise optimizer.
    /// </summary>
    [Benchmark(Description = "NetGen generated, 2 threads")]
    public float GeneratedTwoThreads() =>
        _parallel!.ComputeLossAndGradient(Inputs, Targets, Gradient, _parallelWorkspace, _sgdSlices!);

    /// <summary>
    /// As <see cref="GeneratedTwoThreads"/>, but the calling thread applies the update to all parameters after the
    /// pass: what the slice step saves.
    /// </summary>
    [Benchmark(Description = "NetGen generated, 2 threads, update after the pass")]
    public float GeneratedTwoThreadsUpdateAfter()
    {
        float loss = _parallel!.ComputeLossAndGradient(Inputs, Targets, Gradient, _parallelWorkspace);
        Span<float> parameters = _parallel.Parameters;
        SpanMath.MultiplyAdd(Gradient, -LearningRate, parameters);
        return loss;
    }

    /// <summary>Stops the worker thread.</summary>
    protected override void ReleaseResources() => _parallel?.Dispose();
}

/// <summary>w ← w − η∇C on one slice of the parameters, by <c>SgdOptimizer</c>'s own state.</summary>
internal sealed class SgdSliceStep(ITrainableNetwork<float> network, float learningRate) : IParameterSliceStep<float>
{
    private readonly IElementwiseOptimizerState<float> _sgd = (IElementwiseOptimizerState<float>)new SgdOptimizer().CreateState<float>(network.Spec);

    /// <inheritdoc/>
    public bool Inspect(int slice, int offset, ReadOnlySpan<float> gradient, float loss) => true;

    /// <inheritdoc/>
    public void Apply(int slice, int offset, Span<float> gradient) =>
        _sgd.StepSlice(offset, gradient, network.Parameters.Slice(offset, gradient.Length), learningRate);
}
