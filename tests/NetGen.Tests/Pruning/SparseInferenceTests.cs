using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.Testing;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests.Pruning;

/// <summary>
/// <c>[Network(SparseInference = true)]</c> on the OBD-pruned digits network (90 %), built by a real build: Forward equals
/// the interpreted engine and the dense generated code on the same parameters; the contract on pruned positions; training
/// stays dense; batches see the weights Forward sees; nothing allocates.
/// </summary>
public sealed class SparseInferenceTests
{
    private const double Tolerance = 1e-5;

    private static Dataset<float> Digits { get; } = CsvLoader.Load<float>(Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz"), new CsvOptions { LabelColumn = -1, ClassCount = 10 });

    /// <summary>Every digit, standardised as the pruned network was trained.</summary>
    private static float[] Inputs { get; } = SparsePrunedDigitsNet.InputScaler.Transform(Digits).Features.ToArray();

    public static TheoryData<string> SparseNetworks => new() { nameof(SparsePrunedDigitsNet), nameof(AllSparsePrunedDigitsNet) };

    private static INetwork<float> Create(string name) => name switch
    {
        nameof(SparsePrunedDigitsNet) => new SparsePrunedDigitsNet(),
        nameof(AllSparsePrunedDigitsNet) => new AllSparsePrunedDigitsNet(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(SparseNetworks))]
    public void SparseForwardIsTheInterpretedAndTheDenseNetworksForwardOnEveryDigit(string name)
    {
        var sparse = Create(name);
        var dense = new DensePrunedDigitsNet();
        var interpreted = new InterpretedNetwork<float>(DensePrunedDigitsNet.Spec);
        DensePrunedDigitsNet.BakedParameters.CopyTo(interpreted.Parameters);
        Assert.True(sparse.Parameters.SequenceEqual(DensePrunedDigitsNet.BakedParameters));

        AssertSameOutputs(sparse, interpreted, dense);
    }

    [Fact]
    public void TheEmissionPlanWritesTheSparseHiddenLayersSparseAndTheDenserOutputLayerDense()
    {
        // 819 and 550 of 8,192 weights survive in the hidden layers, 333 of 640 in the output layer (OBD keeps it).
        float[] parameters = DensePrunedDigitsNet.BakedParameters.ToArray();
        int Nonzero(int from, int count) => Enumerable.Range(from, count).Count(i => parameters[i] != 0f);
        Assert.Equal(819, Nonzero(SparsePrunedDigitsNet.Dense1WeightsOffset, 8192));
        Assert.Equal(550, Nonzero(SparsePrunedDigitsNet.Dense2WeightsOffset, 8192));
        Assert.Equal(333, Nonzero(SparsePrunedDigitsNet.Dense3WeightsOffset, 640));

        // The plan's choice shows in behaviour: a pruned output weight written later counts in the network whose output
        // layer is dense and not in the one whose every layer is sparse.
        int pruned = Enumerable.Range(SparsePrunedDigitsNet.Dense3WeightsOffset, 640).First(i => parameters[i] == 0f);
        Assert.False(OutputsUnchangedAfterWriting(new SparsePrunedDigitsNet(), pruned, 5f));
        Assert.True(OutputsUnchangedAfterWriting(new AllSparsePrunedDigitsNet(), pruned, 5f));
    }

    [Theory]
    [MemberData(nameof(SparseNetworks))]
    public void AWeightPrunedInTheBakedFileStaysZeroForForwardWhileSurvivingWeightsAreRead(string name)
    {
        float[] parameters = DensePrunedDigitsNet.BakedParameters.ToArray();
        int pruned = InfluentialPrunedWeight(SparsePrunedDigitsNet.Dense1WeightsOffset, 8192);
        int surviving = Enumerable.Range(SparsePrunedDigitsNet.Dense2WeightsOffset, 8192).First(i => parameters[i] != 0f);

        // Written at a pruned position of a sparse layer: Forward ignores it, the interpreted engine does not.
        Assert.True(OutputsUnchangedAfterWriting(Create(name), pruned, 5f));
        var interpreted = new InterpretedNetwork<float>(DensePrunedDigitsNet.Spec);
        parameters.AsSpan().CopyTo(interpreted.Parameters);
        Assert.False(OutputsUnchangedAfterWriting(interpreted, pruned, 5f));

        // Written at a surviving position (retraining with the mask held): Forward reads it, as the interpreted engine does.
        var sparse = Create(name);
        sparse.Parameters[surviving] += 0.5f;
        var reference = new InterpretedNetwork<float>(DensePrunedDigitsNet.Spec);
        sparse.Parameters.CopyTo(reference.Parameters);
        Assert.False(OutputsUnchangedAfterWriting(Create(name), surviving, parameters[surviving] + 0.5f));
        AssertSameOutputs(sparse, reference);
    }

    [Theory]
    [MemberData(nameof(SparseNetworks))]
    public void TrainingReadsEveryParameterAsTheDenseNetworkDoes(string name)
    {
        var sparse = (ITrainableNetwork<float>)Create(name);
        var dense = new DensePrunedDigitsNet();
        float[] parameters = DensePrunedDigitsNet.BakedParameters.ToArray();
        int pruned = Enumerable.Range(SparsePrunedDigitsNet.Dense1WeightsOffset, 8192).First(i => parameters[i] == 0f);
        sparse.Parameters[pruned] = 0.25f;
        dense.Parameters[pruned] = 0.25f;
        const int batch = 32;
        var inputs = Inputs.AsSpan(0, batch * 64);
        var targets = OneHot.Encode<float>(Digits.Labels[..batch], 10);
        var sparseGradient = new float[SparsePrunedDigitsNet.ParameterCount];
        var denseGradient = new float[SparsePrunedDigitsNet.ParameterCount];

        float sparseLoss = sparse.ComputeLossAndGradient(inputs, targets, sparseGradient, sparse.CreateWorkspace(batch), new SeededRandom(3));
        float denseLoss = dense.ComputeLossAndGradient(inputs, targets, denseGradient, dense.CreateWorkspace(batch), new SeededRandom(3));

        Assert.Equal(denseLoss, sparseLoss);
        Assert.Equal(denseGradient, sparseGradient);
        Assert.Contains(Enumerable.Range(0, SparsePrunedDigitsNet.ParameterCount), i => parameters[i] == 0f && sparseGradient[i] != 0f);
    }

    [Theory]
    [MemberData(nameof(SparseNetworks))]
    public void BatchedPredictionsAreForwardOncePerSample(string name)
    {
        var network = Create(name);
        const int count = 300;
        var expected = new float[count * 10];
        for (int s = 0; s < count; s++)
        {
            network.Forward(Inputs.AsSpan(s * 64, 64), expected.AsSpan(s * 10, 10));
        }

        var batched = new float[count * 10];
        using var workspace = new InferenceWorkspace<float>(network.Spec, threadCount: 2);
        network.PredictProbabilities(Inputs.AsSpan(0, count * 64), batched, workspace);
        Assert.Equal(expected, batched);
    }

    [Theory]
    [MemberData(nameof(SparseNetworks))]
    public void ForwardAllocatesNothing(string name)
    {
        var network = Create(name);
        var output = new float[10];
        var input = Inputs.AsSpan(0, 64).ToArray();
        Assert.Equal(0, Allocations.Least(() => network.Forward(input, output), repetitions: 1000));
    }

    /// <summary>
    /// The first weight pruned in the baked file, among <paramref name="count"/> from <paramref name="from"/>, that changes
    /// the interpreted engine's outputs when written (a weight on a pixel that is blank in every digit would change nothing).
    /// </summary>
    private static int InfluentialPrunedWeight(int from, int count)
    {
        var parameters = DensePrunedDigitsNet.BakedParameters.ToArray();
        var interpreted = new InterpretedNetwork<float>(DensePrunedDigitsNet.Spec);
        return Enumerable.Range(from, count).First(i =>
        {
            parameters.AsSpan().CopyTo(interpreted.Parameters);
            return parameters[i] == 0f && !OutputsUnchangedAfterWriting(interpreted, i, 5f);
        });
    }

    private static bool OutputsUnchangedAfterWriting(INetwork<float> network, int index, float value)
    {
        const int count = 200;
        var before = new float[count * 10];
        var after = new float[count * 10];
        for (int s = 0; s < count; s++)
        {
            network.Forward(Inputs.AsSpan(s * 64, 64), before.AsSpan(s * 10, 10));
        }

        network.Parameters[index] = value;
        for (int s = 0; s < count; s++)
        {
            network.Forward(Inputs.AsSpan(s * 64, 64), after.AsSpan(s * 10, 10));
        }

        return before.AsSpan().SequenceEqual(after);
    }

    private static void AssertSameOutputs(INetwork<float> actual, params INetwork<float>[] references)
    {
        var output = new float[10];
        var expected = new float[10];
        int samples = Inputs.Length / 64;
        for (int s = 0; s < samples; s++)
        {
            var input = Inputs.AsSpan(s * 64, 64);
            actual.Forward(input, output);
            foreach (var reference in references)
            {
                reference.Forward(input, expected);
                for (int i = 0; i < 10; i++)
                {
                    Assert.True(Math.Abs(output[i] - expected[i]) <= Tolerance, $"sample {s}, output {i}: {output[i]} vs {expected[i]} ({reference.GetType().Name})");
                }
            }
        }
    }
}
