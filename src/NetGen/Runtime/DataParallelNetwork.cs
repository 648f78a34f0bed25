using System;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Threading;
using NetGen.Numerics;

namespace NetGen;

/// <summary>
/// Data-parallel mini-batch passes over any trainable network: each batch is cut into one contiguous shard per thread,
/// every shard runs forward and backward on its own workspace and gradient buffer (the first shard, on the calling
/// thread, directly in the caller's), and the shard results are combined in
/// shard order, C = Σ_i (T_i/T) C_i and ∇C = Σ_i (T_i/T) ∇C_i, where T_i is shard i's share of the batch: its number of
/// samples, or with sample weights the sum of its weights (so the combination is the weighted mean of the whole batch).
/// Results are therefore deterministic for a given seed and thread count (they differ from a single-threaded run only by
/// floating-point rounding; with one thread they are the wrapped network's, to the bit).
/// </summary>
/// <remarks>
/// <para>
/// It wraps rather than replaces the network: generated and interpreted networks only read their parameters during a
/// pass and write to the workspace and gradient they are given, so one instance serves all shards at once. Give it to
/// <c>Trainer&lt;T&gt;</c> in place of the network. Threads are created on first use and parked between batches; passes
/// allocate nothing once the workspace exists. Dispose the wrapper to stop its threads.
/// </para>
/// <para>
/// Every pass hands work to the other threads, waits for the slowest shard and combines the shards' gradients, so the
/// shards need enough samples to outweigh that: with a few dozen samples per shard or more two threads approach twice
/// one thread's speed, with a dozen or so they can be slower than one (bench/RESULTS.md has measured speed-ups by batch
/// size).
/// </para>
/// <para>
/// Dropout: each call draws one 64-bit seed from the caller's source and reseeds shard i's own source with seed + i, so
/// masks are reproducible for a given seed and thread count.
/// </para>
/// <para>
/// An element-wise optimizer update is best done inside the pass, through the overload of
/// <see cref="ComputeLossAndGradient(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, NetworkWorkspace, IParameterSliceStep{T}, SeededRandom?)"/>
/// that takes an <see cref="IParameterSliceStep{T}"/> (<c>Trainer&lt;T&gt;</c> does so for SGD, momentum and Adam):
/// each thread then updates the slice of the parameters whose gradient it has just combined, while that slice is in its
/// core's cache, instead of the calling thread updating all of them afterwards and leaving them to be pulled back
/// across to the other cores at the start of the next pass.
/// </para>
/// </remarks>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
public sealed unsafe class DataParallelNetwork<T> : ISecondOrderNetwork<T>, IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ITrainableNetwork<T> _inner;
    private readonly Worker[] _workers;
    // Completion is counted on one semaphore: unlike ManualResetEventSlim, whose lock object is created lazily the first
    // time a wait blocks, it allocates everything up front, so a pass under load allocates nothing either.
    private readonly SemaphoreSlim _done = new(0);

    // How long a thread spins for the next signal before it blocks. Between back-to-back training steps (an optimizer
    // update apart) a parked thread would have to be woken through the kernel, and on a virtual machine a vCPU that went
    // idle can take long enough to come back to erase the gain of a second thread at small batches. Spinning for a
    // millisecond keeps both cores hot through a training loop and costs nothing afterwards.
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 1000;
    private ShardJob _job;
    private int _shardsFinished;
    private volatile bool _shardFailed;
    private int _slicesInspected;
    private volatile bool _sliceRejected;
    private bool _disposed;

    /// <summary>Wraps <paramref name="network"/> so that its batch passes run on <paramref name="threadCount"/> threads.</summary>
    /// <param name="network">The network; it must not be trained elsewhere at the same time.</param>
    /// <param name="threadCount">The number of shards and threads (the calling thread runs shard 0), at least 1.</param>
    public DataParallelNetwork(ITrainableNetwork<T> network, int threadCount)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threadCount, 256);
        _inner = network;
        ThreadCount = threadCount;
        _workers = new Worker[threadCount - 1];
    }

    /// <summary>The number of shards each batch is cut into.</summary>
    public int ThreadCount { get; }

    /// <summary>The wrapped network.</summary>
    public ITrainableNetwork<T> Network => _inner;

    /// <inheritdoc/>
    public NetworkSpec Spec => _inner.Spec;

    /// <inheritdoc/>
    public Span<T> Parameters => _inner.Parameters;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> input, Span<T> output) => _inner.Forward(input, output);

    /// <inheritdoc/>
    public NetworkWorkspace CreateWorkspace(int batchCapacity) => new ParallelWorkspace(this, batchCapacity);

    /// <inheritdoc/>
    public T ComputeLossAndGradient(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null) =>
        ComputeLossAndGradient(inputs, targets, default, gradient, workspace, dropoutRandom);

    /// <inheritdoc/>
    public T ComputeLossAndGradient(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, Span<T> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null)
    {
        var ws = Prepare(inputs, targets, sampleWeights, workspace, out int batch);
        NetworkGuard.CheckLength(gradient.Length, Spec.ParameterCount, nameof(gradient), "gradient entries");
        // Other threads read the batch while this one writes the gradient.
        NetworkGuard.CheckNoOverlap(inputs, gradient);
        NetworkGuard.CheckNoOverlap(targets, gradient);
        NetworkGuard.CheckNoOverlap(sampleWeights, gradient);
        return Run(ws, batch, JobKind.Gradient, inputs, targets, sampleWeights, default, gradient, default, dropoutRandom, null);
    }

    /// <summary>
    /// Computes the batch's mean loss and gradient, as
    /// <see cref="ComputeLossAndGradient(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, NetworkWorkspace, SeededRandom?)"/>
    /// does, and then runs <paramref name="sliceStep"/> on every thread's slice of the parameters before returning.
    /// </summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's targets, sample-major.</param>
    /// <param name="gradient">Receives the batch's mean gradient (before <paramref name="sliceStep"/> sees it).</param>
    /// <param name="workspace">A workspace this wrapper created that holds the batch.</param>
    /// <param name="sliceStep">The step to run on each slice; see <see cref="IParameterSliceStep{T}"/>.</param>
    /// <param name="dropoutRandom">The source of dropout masks, or <see langword="null"/> to use the whole network.</param>
    /// <returns>The batch's mean loss.</returns>
    /// <exception cref="ArgumentException">A span has the wrong length, spans overlap, or the workspace is foreign or too small.</exception>
    public T ComputeLossAndGradient(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> gradient, NetworkWorkspace workspace, IParameterSliceStep<T> sliceStep, SeededRandom? dropoutRandom = null) =>
        ComputeLossAndGradient(inputs, targets, default, gradient, workspace, sliceStep, dropoutRandom);

    /// <summary>
    /// Computes the batch's weighted mean loss and gradient, as
    /// <see cref="ComputeLossAndGradient(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, NetworkWorkspace, SeededRandom?)"/>
    /// does, and then runs <paramref name="sliceStep"/> on every thread's slice of the parameters before returning.
    /// </summary>
    /// <param name="inputs">The batch's inputs, sample-major.</param>
    /// <param name="targets">The batch's targets, sample-major.</param>
    /// <param name="sampleWeights">One finite, non-negative weight per sample; empty for every weight 1.</param>
    /// <param name="gradient">Receives the batch's mean gradient (before <paramref name="sliceStep"/> sees it).</param>
    /// <param name="workspace">A workspace this wrapper created that holds the batch.</param>
    /// <param name="sliceStep">The step to run on each slice; see <see cref="IParameterSliceStep{T}"/>.</param>
    /// <param name="dropoutRandom">The source of dropout masks, or <see langword="null"/> to use the whole network.</param>
    /// <returns>The batch's weighted mean loss.</returns>
    /// <exception cref="ArgumentException">A span has the wrong length, a weight is negative or not finite, spans
    /// overlap, or the workspace is foreign or too small.</exception>
    public T ComputeLossAndGradient(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, Span<T> gradient, NetworkWorkspace workspace, IParameterSliceStep<T> sliceStep, SeededRandom? dropoutRandom = null)
    {
        ArgumentNullException.ThrowIfNull(sliceStep);
        var ws = Prepare(inputs, targets, sampleWeights, workspace, out int batch);
        NetworkGuard.CheckLength(gradient.Length, Spec.ParameterCount, nameof(gradient), "gradient entries");
        NetworkGuard.CheckNoOverlap(inputs, gradient);
        NetworkGuard.CheckNoOverlap(targets, gradient);
        NetworkGuard.CheckNoOverlap(sampleWeights, gradient);
        // The step changes the parameters while other threads may still read the batch or their gradient slices.
        Span<T> parameters = Parameters;
        CheckNotParameters(inputs, parameters, nameof(inputs));
        CheckNotParameters(targets, parameters, nameof(targets));
        CheckNotParameters(sampleWeights, parameters, nameof(sampleWeights));
        CheckNotParameters(gradient, parameters, nameof(gradient));
        return Run(ws, batch, JobKind.Gradient, inputs, targets, sampleWeights, default, gradient, default, dropoutRandom, sliceStep);
    }

    private static void CheckNotParameters(ReadOnlySpan<T> span, Span<T> parameters, string parameterName)
    {
        if (span.Overlaps(parameters))
        {
            throw new ArgumentException($"{parameterName} overlaps the network's parameters, which the slice step changes while other threads may still read {parameterName}.", parameterName);
        }
    }

    /// <inheritdoc/>
    public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, NetworkWorkspace workspace) =>
        ComputeLoss(inputs, targets, default, workspace);

    /// <inheritdoc/>
    public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, NetworkWorkspace workspace)
    {
        var ws = Prepare(inputs, targets, sampleWeights, workspace, out int batch);
        return Run(ws, batch, JobKind.Loss, inputs, targets, sampleWeights, default, default, default, null, null);
    }

    /// <inheritdoc/>
    public T ComputeCurvatureProduct(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> vector, Span<T> product, NetworkWorkspace workspace, CurvatureKind kind = CurvatureKind.Hessian, SeededRandom? dropoutRandom = null) =>
        ComputeCurvatureProduct(inputs, targets, default, vector, product, workspace, kind, dropoutRandom);

    /// <inheritdoc/>
    public T ComputeCurvatureProduct(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, ReadOnlySpan<T> vector, Span<T> product, NetworkWorkspace workspace, CurvatureKind kind = CurvatureKind.Hessian, SeededRandom? dropoutRandom = null)
    {
        if (_inner is not ISecondOrderNetwork<T>)
        {
            throw new NotSupportedException($"The wrapped {_inner.GetType().Name} does not compute curvature products.");
        }

        var ws = Prepare(inputs, targets, sampleWeights, workspace, out int batch);
        NetworkGuard.CheckLength(vector.Length, Spec.ParameterCount, nameof(vector), "vector entries");
        NetworkGuard.CheckLength(product.Length, Spec.ParameterCount, nameof(product), "product entries");
        NetworkGuard.CheckNoOverlap(vector, product);
        NetworkGuard.CheckNoOverlap(inputs, product);
        NetworkGuard.CheckNoOverlap(targets, product);
        NetworkGuard.CheckNoOverlap(sampleWeights, product);
        NetworkGuard.CheckCurvatureKind(kind);
        return Run(ws, batch, JobKind.Curvature, inputs, targets, sampleWeights, vector, product, kind, dropoutRandom, null);
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var worker in _workers)
        {
            worker?.Stop();
        }
    }

    private ParallelWorkspace Prepare(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights, NetworkWorkspace workspace, out int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        var ws = workspace as ParallelWorkspace;
        if (ws is null || ws.Owner != this)
        {
            throw NetworkGuard.ForeignWorkspace(workspace, typeof(ParallelWorkspace));
        }

        // Checked whole before any thread starts, so a bad weight is reported once, for its place in the batch.
        NetworkGuard.SampleWeightSum(sampleWeights, batch);
        return ws;
    }

    // Each shard's share T_i/T of the batch: its sample count over the batch size, or its weights' sum over theirs (0 for
    // every shard when all weights are 0: each such shard then reports loss and gradient 0).
    private void ComputeShares(ParallelWorkspace ws, int batch, ReadOnlySpan<T> sampleWeights)
    {
        T total = T.Zero;
        for (int shard = 0; shard < ThreadCount; shard++)
        {
            int count = ShardCount(batch, shard);
            T share = T.CreateChecked(count);
            if (!sampleWeights.IsEmpty)
            {
                share = T.Zero;
                foreach (T weight in sampleWeights.Slice(ShardStart(batch, shard), count))
                {
                    share += weight;
                }
            }

            ws.Shares[shard] = share;
            total += share;
        }

        T whole = sampleWeights.IsEmpty ? T.CreateChecked(batch) : total;
        for (int shard = 0; shard < ThreadCount; shard++)
        {
            ws.Shares[shard] = whole > T.Zero ? ws.Shares[shard] / whole : T.Zero;
        }
    }

    private T Run(
        ParallelWorkspace ws, int batch, JobKind kind, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> sampleWeights,
        ReadOnlySpan<T> vector, Span<T> result, CurvatureKind curvature, SeededRandom? dropoutRandom, IParameterSliceStep<T>? sliceStep)
    {
        ulong dropoutSeed = dropoutRandom?.NextUInt64() ?? 0;
        Exception? failure = null;
        ComputeShares(ws, batch, sampleWeights);

        // Spans cannot cross threads, so the workers get the caller's memory as pinned pointers instead of a copy of the
        // batch. They stay valid: this frame keeps them pinned until every worker has signalled completion below.
        fixed (T* inputPointer = inputs)
        fixed (T* targetPointer = targets)
        fixed (T* weightPointer = sampleWeights)
        fixed (T* vectorPointer = vector)
        fixed (T* resultPointer = result)
        {
            _job = new ShardJob(
                ws, batch, kind, curvature, dropoutRandom is not null, dropoutSeed, inputPointer, targetPointer, weightPointer, sampleWeights.Length,
                vectorPointer, vector.Length, resultPointer, sliceStep);
            _shardsFinished = 0;
            _shardFailed = false;
            _slicesInspected = 0;
            _sliceRejected = false;
            for (int i = 0; i < _workers.Length; i++)
            {
                _workers[i] ??= new Worker(this, i + 1, _done);
                _workers[i].Start();
            }

            try
            {
                Work(0, result);
            }
            catch (Exception exception)
            {
                failure = exception;
            }

            SpinUntil(_done, _workers.Length);
            for (int i = 0; i < _workers.Length; i++)
            {
                _done.Wait();
            }

            _job = default;
        }

        for (int i = 0; i < _workers.Length; i++)
        {
            failure ??= _workers[i].TakeFailure();
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return CombinedLoss(ws, batch);
    }

    // The losses in shard order, each weighted by its share of the batch (the gradients are combined in Work).
    private T CombinedLoss(ParallelWorkspace ws, int batch)
    {
        T loss = T.Zero;
        for (int shard = 0; shard < ThreadCount; shard++)
        {
            if (ShardCount(batch, shard) > 0)
            {
                loss += ws.Losses[shard] * ws.Shares[shard];
            }
        }

        return loss;
    }

    // One thread's part of a pass: its shard, then (once every shard is done) its slice of the combined result. Combining
    // in parallel matters more than it seems: each shard's result sits dirty in its own core's cache, and one thread
    // pulling all of them across takes a large part of a small shard's own time.
    private void Work(int shard, Span<T> destination)
    {
        try
        {
            RunShard(shard, destination);
        }
        catch
        {
            _shardFailed = true;
            throw;
        }
        finally
        {
            Interlocked.Increment(ref _shardsFinished);
        }

        if (_job.Kind == JobKind.Loss)
        {
            return;
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _shardsFinished) < ThreadCount)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        if (_shardFailed)
        {
            return;
        }

        var job = _job;
        var result = ResultSlice(job, shard, out int start);
        if (job.SliceStep is null)
        {
            CombineSlice(job, start, result);
            return;
        }

        StepSlice(job, shard, start, result);
    }

    // Thread `slice`'s slice of the combined result: entries start to start + length − 1 of the caller's span.
    private Span<T> ResultSlice(in ShardJob job, int slice, out int start)
    {
        int parameters = Spec.ParameterCount;
        start = SliceStart(parameters, slice);
        return new Span<T>(job.Result + start, Math.Max(0, SliceStart(parameters, slice + 1) - start));
    }

    // Combines slice `slice` and runs the job's slice step on it: Inspect, wait until every thread has inspected its
    // slice, then Apply if none refused. Every path through the inspection phase counts itself, so a throwing thread never
    // leaves the others waiting.
    private void StepSlice(in ShardJob job, int slice, int start, Span<T> gradient)
    {
        try
        {
            CombineSlice(job, start, gradient);
            // Each thread sums the shard losses itself, in the same order, so all of them see the same value.
            if (!job.SliceStep!.Inspect(slice, start, gradient, CombinedLoss(job.Workspace, job.Batch)))
            {
                _sliceRejected = true;
            }
        }
        catch
        {
            _sliceRejected = true;
            throw;
        }
        finally
        {
            Interlocked.Increment(ref _slicesInspected);
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _slicesInspected) < ThreadCount)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        if (!_sliceRejected)
        {
            job.SliceStep.Apply(slice, start, gradient);
        }
    }

    // result[i] = Σ_s (T_s/T) ∇C_s[i] over this thread's slice of the parameters, always in shard order, so the sum of
    // every element is the same whichever thread computes it.
    private void CombineSlice(in ShardJob job, int start, Span<T> result)
    {
        if (result.IsEmpty)
        {
            return;
        }

        int length = result.Length;
        bool first = true;
        for (int shard = 0; shard < ThreadCount; shard++)
        {
            int count = ShardCount(job.Batch, shard);
            if (count == 0)
            {
                continue;
            }

            // Through SpanMath, which keeps its stores in the cache: TensorPrimitives streams slices above 256 KiB (a
            // 784-256-128-10 gradient on two threads) past it, just before the caller's update reads them. A weight of
            // one (the whole batch in one shard) multiplies nothing, so it is skipped, which changes no bit.
            T weight = job.Workspace.Shares[shard];
            if (shard == 0)
            {
                // Shard 0 wrote its own result in place.
                if (weight != T.One)
                {
                    SpanMath.Scale(result, weight);
                }
            }
            else if (first)
            {
                job.Workspace.Results[shard].AsSpan(start, length).CopyTo(result);
                if (weight != T.One)
                {
                    SpanMath.Scale(result, weight);
                }
            }
            else
            {
                SpanMath.MultiplyAdd(job.Workspace.Results[shard].AsSpan(start, length), weight, result);
            }

            first = false;
        }
    }

    // Slices start on 16-element boundaries, so no two threads write one cache line.
    private int SliceStart(int parameters, int slice) =>
        slice >= ThreadCount ? parameters : (int)((long)parameters * slice / ThreadCount) & ~15;

    // Waits, for at most SpinTicks, until the semaphore holds count signals; the caller's Wait then returns at once.
    private static void SpinUntil(SemaphoreSlim semaphore, int count)
    {
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        while (semaphore.CurrentCount < count && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
        {
            Thread.SpinWait(16);
        }
    }

    private int ShardStart(int batch, int shard) => (int)((long)batch * shard / ThreadCount);

    private int ShardCount(int batch, int shard) => ShardStart(batch, shard + 1) - ShardStart(batch, shard);

    // destination: where the shard's mean gradient or product goes (the caller's span for shard 0, run on its thread).
    private void RunShard(int shard, Span<T> destination)
    {
        var job = _job;
        var ws = job.Workspace;
        int count = ShardCount(job.Batch, shard);
        if (count == 0)
        {
            return;
        }

        int first = ShardStart(job.Batch, shard);
        int inputSize = Spec.InputSize;
        int outputSize = Spec.OutputSize;
        var inputs = new ReadOnlySpan<T>(job.Inputs + ((nint)first * inputSize), count * inputSize);
        var targets = new ReadOnlySpan<T>(job.Targets + ((nint)first * outputSize), count * outputSize);
        var weights = job.WeightCount == 0 ? default : new ReadOnlySpan<T>(job.Weights + first, count);
        var vector = new ReadOnlySpan<T>(job.Vector, job.VectorLength);
        SeededRandom? dropout = null;
        if (job.Training)
        {
            dropout = ws.ShardRandoms[shard];
            dropout.Reseed(job.DropoutSeed + (ulong)shard);
        }

        ws.Losses[shard] = job.Kind switch
        {
            JobKind.Gradient => _inner.ComputeLossAndGradient(inputs, targets, weights, destination, ws.Shards[shard], dropout),
            JobKind.Loss => _inner.ComputeLoss(inputs, targets, weights, ws.Shards[shard]),
            _ => ((ISecondOrderNetwork<T>)_inner).ComputeCurvatureProduct(inputs, targets, weights, vector, destination, ws.Shards[shard], job.Curvature, dropout),
        };
    }

    private enum JobKind
    {
        Gradient,
        Loss,
        Curvature,
    }

    private readonly struct ShardJob(
        ParallelWorkspace workspace, int batch, JobKind kind, CurvatureKind curvature, bool training, ulong dropoutSeed,
        T* inputs, T* targets, T* weights, int weightCount, T* vector, int vectorLength, T* result, IParameterSliceStep<T>? sliceStep)
    {
        public IParameterSliceStep<T>? SliceStep { get; } = sliceStep;

        public ParallelWorkspace Workspace { get; } = workspace;

        public int Batch { get; } = batch;

        public JobKind Kind { get; } = kind;

        public CurvatureKind Curvature { get; } = curvature;

        public bool Training { get; } = training;

        public ulong DropoutSeed { get; } = dropoutSeed;

        public T* Inputs { get; } = inputs;

        public T* Targets { get; } = targets;

        public T* Weights { get; } = weights;

        public int WeightCount { get; } = weightCount;

        public T* Vector { get; } = vector;

        public int VectorLength { get; } = vectorLength;

        public T* Result { get; } = result;
    }

    /// <summary>Per-shard workspaces and result buffers, plus a copy of the batch the shards read.</summary>
    private sealed class ParallelWorkspace : NetworkWorkspace
    {
        public ParallelWorkspace(DataParallelNetwork<T> owner, int batchCapacity)
            : base(owner.Spec, batchCapacity)
        {
            Owner = owner;
            int shardCapacity = (batchCapacity + owner.ThreadCount - 1) / owner.ThreadCount;
            Shards = new NetworkWorkspace[owner.ThreadCount];
            Results = new T[owner.ThreadCount][];
            ShardRandoms = new SeededRandom[owner.ThreadCount];
            for (int i = 0; i < owner.ThreadCount; i++)
            {
                Shards[i] = owner._inner.CreateWorkspace(Math.Max(1, shardCapacity));
                // Shard 0 writes into the caller's span.
                Results[i] = i == 0 ? [] : new T[owner.Spec.ParameterCount];
                ShardRandoms[i] = new SeededRandom((ulong)i);
            }

            Losses = new T[owner.ThreadCount];
            Shares = new T[owner.ThreadCount];
        }

        public DataParallelNetwork<T> Owner { get; }

        public NetworkWorkspace[] Shards { get; }

        public T[][] Results { get; }

        public SeededRandom[] ShardRandoms { get; }

        public T[] Losses { get; }

        // Each shard's share of the current batch, T_i/T (ComputeShares).
        public T[] Shares { get; }
    }

    /// <summary>A parked thread that runs one shard each time it is started.</summary>
    private sealed class Worker
    {
        private readonly DataParallelNetwork<T> _owner;
        private readonly int _shard;
        private readonly SemaphoreSlim _done;
        private readonly SemaphoreSlim _start = new(0);
        private Exception? _failure;
        private volatile bool _stopping;

        public Worker(DataParallelNetwork<T> owner, int shard, SemaphoreSlim done)
        {
            _owner = owner;
            _shard = shard;
            _done = done;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"NetGen shard {shard}" };
            thread.Start();
        }

        public void Start() => _start.Release();

        public void Stop()
        {
            _stopping = true;
            _start.Release();
        }

        public Exception? TakeFailure()
        {
            var failure = _failure;
            _failure = null;
            return failure;
        }

        private void Loop()
        {
            while (true)
            {
                SpinUntil(_start, 1);
                _start.Wait();
                if (_stopping)
                {
                    return;
                }

                try
                {
                    _owner.Work(_shard, _owner._job.Workspace.Results[_shard]);
                }
                catch (Exception exception)
                {
                    _failure = exception;
                }
                finally
                {
                    _done.Release();
                }
            }
        }
    }
}
