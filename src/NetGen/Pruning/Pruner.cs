using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Pruning;

/// <summary>Which weights compete with which when the least salient are removed.</summary>
public enum PruningScope
{
    /// <summary>All layers' weights in one ranking: the saliency (a loss increase) is comparable across layers.</summary>
    Global = 0,

    /// <summary>Every layer pruned to the same sparsity, ranking within the layer: the usual form of magnitude pruning,
    /// whose w² is not comparable across layers of different scales.</summary>
    PerLayer = 1,
}

/// <summary>Settings of <see cref="Pruner.Prune"/>.</summary>
public sealed record PruningOptions
{
    /// <summary>The saliency; <see cref="SaliencyMethod.GaussNewtonDiagonal"/> (OBD) by default.</summary>
    public SaliencyMethod Method { get; init; } = SaliencyMethod.GaussNewtonDiagonal;

    /// <summary>The share of weights to prune, in [0, 1); 0.7 by default.</summary>
    public double TargetSparsity { get; init; } = 0.7;

    /// <summary>Prune-and-retrain rounds; sparsity after round r of R is s·(1 − (1 − r/R)³) (Zhu and Gupta's schedule:
    /// large cuts first, while the network has weights to spare). 4 by default.</summary>
    public int Rounds { get; init; } = 4;

    /// <summary>Which weights compete; <see cref="PruningScope.Global"/> by default.</summary>
    public PruningScope Scope { get; init; } = PruningScope.Global;

    /// <summary>Retraining epochs after each round (masked, so pruned weights stay zero); 10 by default, 0 for none.</summary>
    public int RetrainEpochs { get; init; } = 10;

    /// <summary>The retraining optimizer; Adam by default.</summary>
    public Optimizer RetrainOptimizer { get; init; } = new AdamOptimizer();

    /// <summary>The retraining learning rate; 0.0005 by default.</summary>
    public double RetrainLearningRate { get; init; } = 0.0005;

    /// <summary>The retraining batch size; 32 by default.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The retraining L2 strength; 0 by default.</summary>
    public double L2 { get; init; }

    /// <summary>The seed of the retraining runs (and of a Hutchinson estimate).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The most training samples the saliencies are measured on (the first ones); all by default.</summary>
    public int? SaliencySampleLimit { get; init; }

    internal void Validate()
    {
        if (!Enum.IsDefined(Method) || !Enum.IsDefined(Scope))
        {
            throw new ArgumentException("Method or Scope is not a defined value.", nameof(Method));
        }

        if (!(TargetSparsity is >= 0.0 and < 1.0))
        {
            throw new ArgumentException($"TargetSparsity is {TargetSparsity}; it must be in [0, 1).", nameof(TargetSparsity));
        }

        if (Rounds < 1 || RetrainEpochs < 0 || BatchSize < 1 || SaliencySampleLimit is < 1)
        {
            throw new ArgumentException($"Rounds ({Rounds}) and BatchSize ({BatchSize}) must be at least 1, RetrainEpochs ({RetrainEpochs}) at least 0, SaliencySampleLimit at least 1.", nameof(Rounds));
        }

        ArgumentNullException.ThrowIfNull(RetrainOptimizer, nameof(RetrainOptimizer));
    }
}

/// <summary>What a pruning run did.</summary>
/// <param name="Mask">The pruned weights (zero in the network).</param>
/// <param name="RoundSparsity">The sparsity reached after each round.</param>
/// <param name="History">Each round's retraining history (empty when there was no retraining).</param>
public sealed record PruningResult(PruningMask Mask, IReadOnlyList<double> RoundSparsity, IReadOnlyList<TrainingHistory> History);

/// <summary>
/// Prunes a trained network to a target sparsity in rounds: rank the remaining weights by saliency, zero the least
/// salient, retrain with the mask held (<see cref="MaskedOptimizer"/>), repeat.
/// </summary>
public static class Pruner
{
    /// <summary>Prunes <paramref name="network"/> in place.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">A trained network.</param>
    /// <param name="train">The training set (saliencies and retraining).</param>
    /// <param name="validation">Optional: retraining keeps the epoch of lowest validation loss.</param>
    /// <param name="options">The method and schedule; defaults if null.</param>
    /// <param name="mask">A mask to continue from (weights it prunes stay pruned); a new one if null.</param>
    public static PruningResult Prune<T>(ISecondOrderNetwork<T> network, Dataset<T> train, Dataset<T>? validation = null, PruningOptions? options = null, PruningMask? mask = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        options ??= new PruningOptions();
        options.Validate();
        mask ??= new PruningMask(network.Spec);
        var saliencyData = options.SaliencySampleLimit is { } limit && limit < train.Count ? train.Subset(First(limit)) : train;
        var sparsities = new List<double>();
        var histories = new List<TrainingHistory>();
        var retraining = new TrainerOptions
        {
            Optimizer = new MaskedOptimizer(options.RetrainOptimizer, mask),
            LearningRate = options.RetrainLearningRate,
            Epochs = Math.Max(options.RetrainEpochs, 1),
            BatchSize = options.BatchSize,
            L2 = options.L2,
            Seed = options.Seed,
            KeepCurrentParameters = true,
        };
        for (int round = 1; round <= options.Rounds; round++)
        {
            double fraction = 1.0 - Math.Pow(1.0 - (round / (double)options.Rounds), 3);
            double target = options.TargetSparsity * fraction;
            var diagonal = Saliency.CurvatureDiagonal(network, saliencyData, options.Method, seed: options.Seed);
            var saliency = Saliency.FromDiagonal<T>(network.Parameters, diagonal);
            PruneLeastSalient(mask, saliency, target, options.Scope);
            mask.Apply(network.Parameters);
            if (options.RetrainEpochs > 0)
            {
                histories.Add(new Trainer<T>(network, retraining).Fit(train, validation).History);
            }

            sparsities.Add(mask.Sparsity);
        }

        return new PruningResult(mask, sparsities, histories);
    }

    /// <summary>Prunes the least salient weights not yet pruned until <paramref name="mask"/> reaches
    /// <paramref name="sparsity"/> (over all weights, or in every layer).</summary>
    /// <param name="mask">The mask to extend.</param>
    /// <param name="saliency">One saliency per parameter.</param>
    /// <param name="sparsity">The share of weights pruned afterwards.</param>
    /// <param name="scope">Global or per layer.</param>
    public static void PruneLeastSalient(PruningMask mask, ReadOnlySpan<double> saliency, double sparsity, PruningScope scope)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var spec = mask.Spec;
        if (scope == PruningScope.Global)
        {
            PruneRange(mask, saliency, 0, spec.ParameterCount, (int)Math.Round(sparsity * mask.WeightCount));
            return;
        }

        for (int layer = 0; layer < spec.Layers.Count; layer++)
        {
            var layout = spec.GetLayout(layer);
            PruneRange(mask, saliency, layout.WeightsOffset, layout.WeightCount, (int)Math.Round(sparsity * layout.WeightCount));
        }
    }

    // Prunes within [offset, offset + count) until `target` weights of that range are pruned.
    private static void PruneRange(PruningMask mask, ReadOnlySpan<double> saliency, int offset, int count, int target)
    {
        var candidates = new List<int>();
        int already = 0;
        for (int i = offset; i < offset + count; i++)
        {
            if (!mask.IsWeight(i))
            {
                continue;
            }

            if (mask.IsPruned(i))
            {
                already++;
            }
            else
            {
                candidates.Add(i);
            }
        }

        var keys = new double[candidates.Count];
        for (int c = 0; c < keys.Length; c++)
        {
            keys[c] = saliency[candidates[c]];
        }

        var order = candidates.ToArray();
        Array.Sort(keys, order);
        for (int c = 0; c < order.Length && already < target; c++, already++)
        {
            mask.Prune(order[c]);
        }
    }

    private static int[] First(int count)
    {
        var indices = new int[count];
        for (int i = 0; i < count; i++)
        {
            indices[i] = i;
        }

        return indices;
    }
}
