using System;
using System.IO;
using System.Linq;
using NetGen.Data;
using NetGen.IO;
using NetGen.Pruning;
using NetGen.Samples.Train;
using NetGen.Training;
using Xunit;

namespace NetGen.Tests.Pruning;

/// <summary>
/// The pruned digits weights files that bench/NetGen.Benchmarks bakes (<c>SparseInference</c>) and that
/// tests/NetGen.Tests bakes (<c>SparsePrunedDigitsNet</c>): the main job's 64-128-64-10 network trained on the first
/// stratified split (seed 1, 40 Adam epochs), then pruned by OBD (Gauss–Newton diagonal, global) to 70 % and 90 % of its
/// weights, as <see cref="PruningTests.DigitsAtSeventyPercentSparsity"/> prunes it, saved with the training rows'
/// standardizer; and, for measuring at which density sparse rows pay, the 70 % network pruned further by magnitude to
/// 85 % and 90 % in every layer alike (no retraining: the timing does not depend on the accuracy).
/// <c>NETGEN_WRITE_PRUNED_WEIGHTS=1</c> writes them again into the repository; otherwise the test checks
/// that the files in the repository are what the procedure makes on this host: the same sparsity, every pruned weight
/// zero, and the same test accuracy within a sample or two (kernels that differ between hosts may round differently).
/// </summary>
public sealed class PrunedWeightsFilesTests
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Pruned");

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(0.7, false, "digits-pruned-70.safetensors")]
    [InlineData(0.9, false, "digits-pruned-90.safetensors")]
    [InlineData(0.85, true, "digits-layers-85.safetensors")]
    [InlineData(0.9, true, "digits-layers-90.safetensors")]
    public void TheCheckedInPrunedDigitsFilesAreWhatTheProcedureMakes(double sparsity, bool perLayer, string file)
    {
        var (made, scaler, test) = perLayer ? PruneEveryLayer(sparsity) : Prune(sparsity);
        if (Environment.GetEnvironmentVariable("NETGEN_WRITE_PRUNED_WEIGHTS") == "1")
        {
            WeightsFile.Save(made, Path.Combine(PackageFactAttribute.RepositoryRoot!, "bench", "NetGen.Benchmarks", "Pruned", file), scaler);
        }

        var stored = new DigitsMlp();
        WeightsFile.Load(stored, Path.Combine(Folder, file));
        var spec = DigitsMlp.Spec;
        var mask = new PruningMask(spec);
        int weights = Enumerable.Range(0, spec.ParameterCount).Count(mask.IsWeight);
        int zero = Enumerable.Range(0, spec.ParameterCount).Count(i => mask.IsWeight(i) && stored.Parameters[i] == 0f);
        int madeZero = Enumerable.Range(0, spec.ParameterCount).Count(i => mask.IsWeight(i) && made.Parameters[i] == 0f);
        Assert.Equal(sparsity, zero / (double)weights, 3);
        Assert.Equal(madeZero, zero);
        if (perLayer)
        {
            var storedMask = new PruningMask(spec);
            for (int i = 0; i < spec.ParameterCount; i++)
            {
                if (mask.IsWeight(i) && stored.Parameters[i] == 0f)
                {
                    storedMask.Prune(i);
                }
            }

            Assert.All(storedMask.LayerSparsity(), layer => Assert.Equal(sparsity, layer, 2));
        }

        Assert.InRange(Correct(stored, test), Correct(made, test) - 2, Correct(made, test) + 2);
    }

    /// <summary>The procedure: train the main job's network on split 1, then OBD-prune it globally to the sparsity.</summary>
    private static (DigitsMlp Network, Standardizer<float> Scaler, Dataset<float> Test) Prune(double sparsity)
    {
        var data = CsvLoader.Load<float>(Path.Combine(AppContext.BaseDirectory, "Data", "digits.csv.gz"), new CsvOptions { LabelColumn = -1, ClassCount = 10 });
        const ulong seed = 1;
        var split = DatasetSplit.Split(data, 0.6, 0.2, seed, stratify: true);
        var scaler = Standardizer<float>.Fit(split.Train);
        var (train, validation, test) = (scaler.Transform(split.Train), scaler.Transform(split.Validation), scaler.Transform(split.Test));
        var network = new DigitsMlp();
        new Trainer<float>(network, new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.001, Epochs = 40, BatchSize = 32, Seed = seed, Initialization = WeightInitialization.HeNormal }).Fit(train, validation);
        Pruner.Prune(network, train, validation, new PruningOptions { Method = SaliencyMethod.GaussNewtonDiagonal, Scope = PruningScope.Global, TargetSparsity = sparsity, Seed = seed });
        return (network, scaler, test);
    }

    /// <summary>The 70 % network pruned further by magnitude (w²) to the same sparsity in every layer, without retraining.</summary>
    private static (DigitsMlp Network, Standardizer<float> Scaler, Dataset<float> Test) PruneEveryLayer(double sparsity)
    {
        var (network, scaler, test) = Prune(0.7);
        var spec = DigitsMlp.Spec;
        var mask = new PruningMask(spec);
        var saliency = new double[spec.ParameterCount];
        for (int i = 0; i < spec.ParameterCount; i++)
        {
            saliency[i] = (double)network.Parameters[i] * network.Parameters[i];
        }

        Pruner.PruneLeastSalient(mask, saliency, sparsity, PruningScope.PerLayer);
        mask.Apply(network.Parameters);
        return (network, scaler, test);
    }

    private static int Correct(INetwork<float> network, Dataset<float> data)
    {
        var output = new float[10];
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            network.Forward(data.GetFeatures(i), output);
            correct += Array.IndexOf(output, output.Max()) == data.Labels[i] ? 1 : 0;
        }

        return correct;
    }
}
