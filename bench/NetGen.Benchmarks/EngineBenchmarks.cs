using System;
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

/// <summary>Generated vs interpreted engine on the same network and parameters: one inference, one training step.</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private ITrainableNetwork<float> _network = null!;
    private float[] _input = [];
    private float[] _output = [];
    private float[] _batchInputs = [];
    private float[] _batchTargets = [];
    private float[] _gradient = [];
    private NetworkWorkspace _workspace = null!;

    /// <summary>The network shape.</summary>
    [Params("2-4-1", "8-16-1", "64-32-10", "784-128-10")]
    public string Shape { get; set; } = "2-4-1";

    /// <summary>Which engine runs it.</summary>
    [Params("generated", "interpreted")]
    public string Engine { get; set; } = "generated";

    /// <summary>Samples per training step.</summary>
    public const int BatchSize = 32;

    [GlobalSetup]
    public void Setup()
    {
        ITrainableNetwork<float> generated = Shape switch
        {
            "2-4-1" => new Xor241(),
            "8-16-1" => new Tanh8161(),
            "64-32-10" => new Digits643210(),
            "784-128-10" => new Mnist78412810(),
            _ => throw new ArgumentException(Shape),
        };
        _network = Engine == "generated" ? generated : new InterpretedNetwork<float>(generated.Spec);
        _network.InitializeParameters(seed: 1);
        var spec = _network.Spec;
        var random = new SeededRandom(2);
        _input = new float[spec.InputSize];
        _output = new float[spec.OutputSize];
        _batchInputs = new float[BatchSize * spec.InputSize];
        _batchTargets = new float[BatchSize * spec.OutputSize];
        for (int i = 0; i < _batchInputs.Length; i++)
        {
            _batchInputs[i] = (float)random.NextDouble();
        }

        for (int s = 0; s < BatchSize; s++)
        {
            _batchTargets[s * spec.OutputSize + random.NextInt32(spec.OutputSize)] = 1;
        }

        _batchInputs.AsSpan(0, spec.InputSize).CopyTo(_input);
        _gradient = new float[spec.ParameterCount];
        _workspace = _network.CreateWorkspace(BatchSize);
    }

    /// <summary>One single-sample inference.</summary>
    [Benchmark]
    public void Forward() => _network.Forward(_input, _output);

    /// <summary>Forward and backward over a batch of 32, mean gradient out.</summary>
    [Benchmark]
    public float TrainingStep() => _network.ComputeLossAndGradient(_batchInputs, _batchTargets, _gradient, _workspace);
}
