using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NetGen;

/// <summary>
/// Data-parallel mini-batch passes over any trainable network: each batch is cut into one contiguous shard per thread,
/// every shard runs forward and backward on its own workspace and gradient buffer, and the shard results are combined in
/// shard order, C = Σ_i (T_i/T) C_i and ∇C = Σ_i (T_i/T) ∇C_i. Results are therefore deterministic for a given seed and
/// thread count (they differ from a single-threaded run only by floating-point rounding).
/// </summary>
/// <remarks>
/// <para>
/// It wraps rather than replaces the network: generated and interpreted networks only read their parameters during a
/// pass and write to the workspace and gradient they are given, so one instance serves all shards at once. Give it to
/// <c>Trainer&lt;T&gt;</c> in place of the network. Threads are created on first use and parked between batches; passes
/// allocate nothing once the workspace exists. Dispose the wrapper to stop its threads.
/// </para>
/// <para>
/// Dropout: each call draws one 64-bit seed from the caller's source and reseeds shard i's own source with seed + i, so
/// masks are reproducible for a given seed and thread count.
/// </para>
/// </remarks>
/// <typeparam name="T">The floating-point type the network computes in.</typeparam>
public sealed class DataParallelNetwork<T> : ISecondOrderNetwork<T>, IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ITrainableNetwork<T> _inner;
    private readonly Worker[] _workers;
    // Completion is counted on one semaphore: unlike ManualResetEventSlim, whose lock object is created lazily the first
    // time a wait blocks, it allocates everything up front, so a pass under load allocates nothing either.
    private readonly SemaphoreSlim _done = new(0);
    private ShardJob _job;
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
    public T ComputeLossAndGradient(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> gradient, NetworkWorkspace workspace, SeededRandom? dropoutRandom = null)
    {
        var ws = Prepare(inputs, targets, workspace, out int batch);
        NetworkGuard.CheckLength(gradient.Length, Spec.ParameterCount, nameof(gradient), "gradient entries");
        return Run(ws, batch, JobKind.Gradient, gradient, default, dropoutRandom);
    }

    /// <inheritdoc/>
    public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, NetworkWorkspace workspace)
    {
        var ws = Prepare(inputs, targets, workspace, out int batch);
        return Run(ws, batch, JobKind.Loss, default, default, null);
    }

    /// <inheritdoc/>
    public T ComputeCurvatureProduct(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ReadOnlySpan<T> vector, Span<T> product, NetworkWorkspace workspace, CurvatureKind kind = CurvatureKind.Hessian, SeededRandom? dropoutRandom = null)
    {
        if (_inner is not ISecondOrderNetwork<T>)
        {
            throw new NotSupportedException($"The wrapped {_inner.GetType().Name} does not compute curvature products.");
        }

        var ws = Prepare(inputs, targets, workspace, out int batch);
        NetworkGuard.CheckLength(vector.Length, Spec.ParameterCount, nameof(vector), "vector entries");
        NetworkGuard.CheckLength(product.Length, Spec.ParameterCount, nameof(product), "product entries");
        NetworkGuard.CheckNoOverlap(vector, product);
        NetworkGuard.CheckCurvatureKind(kind);
        vector.CopyTo(ws.Vector);
        return Run(ws, batch, JobKind.Curvature, product, kind, dropoutRandom);
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

    private ParallelWorkspace Prepare(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, NetworkWorkspace workspace, out int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        batch = NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
        var ws = workspace as ParallelWorkspace;
        if (ws is null || ws.Owner != this)
        {
            throw NetworkGuard.ForeignWorkspace(workspace, typeof(ParallelWorkspace));
        }

        // Spans cannot cross threads, so the batch is copied into buffers the shards read.
        inputs.CopyTo(ws.Inputs);
        targets.CopyTo(ws.Targets);
        return ws;
    }

    private T Run(ParallelWorkspace ws, int batch, JobKind kind, Span<T> result, CurvatureKind curvature, SeededRandom? dropoutRandom)
    {
        ulong dropoutSeed = dropoutRandom?.NextUInt64() ?? 0;
        _job = new ShardJob(ws, batch, kind, curvature, dropoutRandom is not null, dropoutSeed);
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] ??= new Worker(this, i + 1, _done);
            _workers[i].Start();
        }

        Exception? failure = null;
        try
        {
            RunShard(0);
        }
        catch (Exception exception)
        {
            failure = exception;
        }

        for (int i = 0; i < _workers.Length; i++)
        {
            _done.Wait();
        }

        for (int i = 0; i < _workers.Length; i++)
        {
            failure ??= _workers[i].TakeFailure();
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }

        // Combine in shard order, each weighted by its share of the batch.
        T loss = T.Zero;
        if (kind != JobKind.Loss)
        {
            result.Clear();
        }

        for (int shard = 0; shard < ThreadCount; shard++)
        {
            int count = ShardCount(batch, shard);
            if (count == 0)
            {
                continue;
            }

            T weight = T.CreateChecked(count) / T.CreateChecked(batch);
            loss += ws.Losses[shard] * weight;
            if (kind != JobKind.Loss)
            {
                TensorPrimitives.MultiplyAdd(ws.Results[shard], weight, result, result);
            }
        }

        return loss;
    }

    private int ShardStart(int batch, int shard) => (int)((long)batch * shard / ThreadCount);

    private int ShardCount(int batch, int shard) => ShardStart(batch, shard + 1) - ShardStart(batch, shard);

    private void RunShard(int shard)
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
        ReadOnlySpan<T> inputs = ws.Inputs.AsSpan(first * inputSize, count * inputSize);
        ReadOnlySpan<T> targets = ws.Targets.AsSpan(first * outputSize, count * outputSize);
        SeededRandom? dropout = null;
        if (job.Training)
        {
            dropout = ws.ShardRandoms[shard];
            dropout.Reseed(job.DropoutSeed + (ulong)shard);
        }

        ws.Losses[shard] = job.Kind switch
        {
            JobKind.Gradient => _inner.ComputeLossAndGradient(inputs, targets, ws.Results[shard], ws.Shards[shard], dropout),
            JobKind.Loss => _inner.ComputeLoss(inputs, targets, ws.Shards[shard]),
            _ => ((ISecondOrderNetwork<T>)_inner).ComputeCurvatureProduct(inputs, targets, ws.Vector, ws.Results[shard], ws.Shards[shard], job.Curvature, dropout),
        };
    }

    private enum JobKind
    {
        Gradient,
        Loss,
        Curvature,
    }

    private readonly record struct ShardJob(ParallelWorkspace Workspace, int Batch, JobKind Kind, CurvatureKind Curvature, bool Training, ulong DropoutSeed);

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
                Results[i] = new T[owner.Spec.ParameterCount];
                ShardRandoms[i] = new SeededRandom((ulong)i);
            }

            Losses = new T[owner.ThreadCount];
            Inputs = new T[batchCapacity * owner.Spec.InputSize];
            Targets = new T[batchCapacity * owner.Spec.OutputSize];
            Vector = new T[owner.Spec.ParameterCount];
        }

        public DataParallelNetwork<T> Owner { get; }

        public NetworkWorkspace[] Shards { get; }

        public T[][] Results { get; }

        public SeededRandom[] ShardRandoms { get; }

        public T[] Losses { get; }

        public T[] Inputs { get; }

        public T[] Targets { get; }

        public T[] Vector { get; }
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
                _start.Wait();
                if (_stopping)
                {
                    return;
                }

                try
                {
                    _owner.RunShard(_shard);
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
