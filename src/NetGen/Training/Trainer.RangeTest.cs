using System;
using System.Threading;
using NetGen.Data;

namespace NetGen.Training;

// The learning-rate range test: one short run with an exponentially rising η, then the original weights back.
public sealed partial class Trainer<T>
{
    /// <summary>
    /// Runs a learning-rate range test (Smith 2015; fastai's <c>lr_find</c>): training steps with the trainer's
    /// optimizer, batches, penalties, dropout and seed while η rises exponentially from
    /// <see cref="LearningRateRangeTestOptions.MinimumRate"/> to <see cref="LearningRateRangeTestOptions.MaximumRate"/>
    /// over one pass of the training set, recording each batch's loss, and suggests the η where the loss falls fastest
    /// (see <see cref="LearningRateRangeTestResult"/> for the rule). It stops early once the loss diverges. Afterwards the
    /// network's parameters are restored bitwise, whatever happened, and the optimizer's state is reset.
    /// </summary>
    /// <param name="train">The training set.</param>
    /// <param name="options">The range and smoothing; the defaults when null.</param>
    /// <param name="cancellationToken">Ends the test at the next batch with the points so far.</param>
    /// <returns>The rates, losses and suggestion.</returns>
    /// <exception cref="ArgumentException">The set does not fit the network, or an option is invalid.</exception>
    /// <exception cref="InvalidOperationException">The optimizer ignores the learning rate (RPROP, L-BFGS, Newton), or the
    /// network's parameters cannot start training (see <see cref="Fit"/>).</exception>
    public LearningRateRangeTestResult FindLearningRate(Dataset<T> train, LearningRateRangeTestOptions? options = null, CancellationToken cancellationToken = default)
    {
        CheckDataset(train, nameof(train));
        options ??= new LearningRateRangeTestOptions();
        options.Validate();
        if (!Options.Optimizer.UsesLearningRate)
        {
            throw new InvalidOperationException($"{Options.Optimizer.Name} chooses its own step lengths and ignores the learning rate, so a learning-rate range test says nothing about it.");
        }

        T[] saved = _network.Parameters.ToArray();
        try
        {
            return RunRangeTest(train, options, cancellationToken);
        }
        finally
        {
            saved.CopyTo(_network.Parameters);
            _optimizer.Reset();
        }
    }

    private LearningRateRangeTestResult RunRangeTest(Dataset<T> train, LearningRateRangeTestOptions options, CancellationToken cancellationToken)
    {
        PrepareStartingParameters();
        int sampleCount = train.Count;
        int batchSize = Math.Min(Options.BatchSize, sampleCount);
        EnsureBatchCapacity(batchSize);
        var seedStream = new SeededRandom(Options.Seed ^ DerivedStreamSalt);
        var shuffleRandom = new SeededRandom(seedStream.NextUInt64());
        var dropoutRandom = new SeededRandom(seedStream.NextUInt64());
        _order = new int[sampleCount];
        for (int i = 0; i < sampleCount; i++)
        {
            _order[i] = i;
        }

        _optimizer.Reset();
        var regularization = new Regularization(Options.L1, Options.L2, sampleCount);
        int stepsPerPass = (sampleCount + batchSize - 1) / batchSize;
        int steps = options.Steps ?? Math.Max(2, stepsPerPass);
        double beta = options.Smoothing ?? Math.Clamp(1.0 - (5.0 / steps), 0.0, 0.98);
        double logRange = Math.Log(options.MaximumRate / options.MinimumRate);
        var rates = new double[steps];
        var losses = new double[steps];
        var smoothed = new double[steps];
        double average = 0.0;
        double lowest = double.PositiveInfinity;
        int recorded = 0;
        bool diverged = false;
        for (int step = 0; step < steps && !cancellationToken.IsCancellationRequested; step++)
        {
            int stepInPass = step % stepsPerPass;
            if (stepInPass == 0 && Options.ShuffleEachEpoch)
            {
                shuffleRandom.Shuffle(_order.AsSpan());
            }

            int first = stepInPass * batchSize;
            int count = Math.Min(batchSize, sampleCount - first);
            Span<T> inputs = _batchInputs.AsSpan(0, count * _spec.InputSize);
            Span<T> targets = _batchTargets.AsSpan(0, count * _spec.OutputSize);
            for (int i = 0; i < count; i++)
            {
                int sample = _order[first + i];
                train.GetFeatures(sample).CopyTo(inputs.Slice(i * _spec.InputSize, _spec.InputSize));
                train.GetTargets(sample).CopyTo(targets.Slice(i * _spec.OutputSize, _spec.OutputSize));
            }

            double rate = options.MinimumRate * Math.Exp(logRange * step / (steps - 1));
            Array.Clear(_layerNormSums);
            if (TrainStep(inputs, targets, regularization, dropoutRandom, rate, step / stepsPerPass, step, out double loss, out _, out _) is not null)
            {
                diverged = true;
                break;
            }

            average = (beta * average) + ((1.0 - beta) * loss);
            double value = average / (1.0 - Math.Pow(beta, step + 1));
            rates[recorded] = rate;
            losses[recorded] = loss;
            smoothed[recorded] = value;
            recorded++;
            lowest = Math.Min(lowest, value);
            if (value > options.DivergenceFactor * lowest)
            {
                diverged = step < steps - 1;
                break;
            }
        }

        if (recorded == 0)
        {
            throw new InvalidOperationException(cancellationToken.IsCancellationRequested
                ? "The learning-rate range test was cancelled before its first step."
                : $"The first step of the learning-rate range test, at η = {options.MinimumRate}, already produced a non-finite loss, gradient or update; check the data's scale.");
        }

        return new LearningRateRangeTestResult(rates[..recorded], losses[..recorded], smoothed[..recorded], beta, diverged);
    }
}
