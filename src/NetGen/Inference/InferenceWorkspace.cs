using System;
using System.Linq;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NetGen;

/// <summary>
/// Scratch memory, and optionally worker threads, for batched inference over networks of one architecture
/// (<see cref="BatchInference.Forward{T}(INetwork{T}, ReadOnlySpan{T}, Span{T}, InferenceWorkspace{T})"/> and the
/// prediction helpers that take a workspace). Created once and reused, so a batch of any size allocates nothing.
/// </summary>
/// <remarks>
/// <para>
/// A batch is cut into blocks of <see cref="ChunkSamples"/> samples, which go through the layers one block at a time so
/// that a block's activations stay in the processor's caches. With more than one thread, each thread takes a
/// contiguous run of whole blocks; a sample's block, and where it sits in it, depend only on its index, so the outputs
/// are the same bits for any thread count.
/// </para>
/// <para>
/// Not thread-safe: one caller at a time (the workspace's own threads work for that caller). Dispose it to stop its
/// threads; a workspace with one thread holds no thread.
/// </para>
/// </remarks>
/// <typeparam name="T">The floating-point type of the networks.</typeparam>
public sealed unsafe class InferenceWorkspace<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // A block's hidden activations: at most this many elements per buffer (two buffers, even and odd layers), so that the
    // block a layer writes is still in the second-level cache when the next layer reads it. The most samples a block takes
    // is the smallest multiple of three from 64, so a batch of 64 is one block: the 512-bit kernels read a block's rows of
    // W once per block, and a block's last samples (past its last three) cost more than the others.
    private const int BlockElements = 16384;
    private const int MaxBlockSamples = 66;

    private readonly T[][] _scratch;
    private readonly T[][] _outputs;
    private readonly Worker?[] _workers;
    private readonly SemaphoreSlim _done = new(0);
    private Job _job;
    private bool _disposed;

    /// <summary>Creates a workspace for networks with the architecture <paramref name="spec"/>.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="threadCount">The number of threads a batch is shared among (the caller's included), 1 to 256.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is outside 1 to 256.</exception>
    public InferenceWorkspace(NetworkSpec spec, int threadCount = 1)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threadCount, 256);
        Spec = spec;
        ThreadCount = threadCount;
        ChunkSamples = ChunkSamplesFor(spec);
        int scratch = ScratchLengthFor(spec);
        _scratch = new T[threadCount][];
        _outputs = new T[threadCount][];
        for (int t = 0; t < threadCount; t++)
        {
            _scratch[t] = new T[scratch];
            _outputs[t] = new T[ChunkSamples * spec.OutputSize];
        }

        _workers = new Worker?[threadCount - 1];
    }

    /// <summary>The architecture the workspace serves.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The number of threads a batch is shared among.</summary>
    public int ThreadCount { get; }

    /// <summary>The number of samples that go through the layers together (the last block of a batch may be shorter).</summary>
    public int ChunkSamples { get; }

    /// <summary>
    /// The block size for an architecture: a multiple of three (the matrix kernels take samples three at a time), up to
    /// 66, fewer for hidden layers wider than 248 so that a block's activations stay within <c>2 × 16384</c> elements.
    /// </summary>
    /// <param name="spec">The architecture.</param>
    /// <returns>The number of samples per block.</returns>
    public static int ChunkSamplesFor(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return 3 * Math.Clamp(BlockElements / (3 * WidestHidden(spec)), 1, MaxBlockSamples / 3);
    }

    /// <summary>The scratch a block needs: two buffers of a block's widest hidden layer.</summary>
    /// <param name="spec">The architecture.</param>
    /// <returns>The number of elements.</returns>
    public static int ScratchLengthFor(NetworkSpec spec) => 2 * ChunkSamplesFor(spec) * WidestHidden(spec);

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

    /// <summary>The bytes the worker threads have allocated while running batches (the allocation tests read it).</summary>
    internal long WorkerAllocatedBytes
    {
        get
        {
            long total = 0;
            foreach (var worker in _workers)
            {
                total += worker?.AllocatedBytes ?? 0;
            }

            return total;
        }
    }

    private static int WidestHidden(NetworkSpec spec) => spec.Layers.Count > 1 ? spec.Layers.Take(spec.Layers.Count - 1).Max(l => l.Size) : 1;

    /// <summary>What a run writes for each sample.</summary>
    internal enum RunKind
    {
        /// <summary>The network's outputs.</summary>
        Outputs,

        /// <summary>The predicted class (the outputs go through the workspace).</summary>
        Classes,

        /// <summary>The class probabilities: a softmax's outputs as they are, one sigmoid's a as [1 − a, a].</summary>
        Probabilities,
    }

    /// <summary>Runs a batch: checks the workspace and spans, then shares the blocks among the threads.</summary>
    internal void Run(INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> outputs, Span<int> classes, RunKind kind, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!ReferenceEquals(network.Spec, Spec) && !network.Spec.Equals(Spec))
        {
            throw new ArgumentException($"The workspace was created for {Spec}, not for {network.Spec}.", "workspace");
        }

        if (batch == 0)
        {
            return;
        }

        int blocks = (batch + ChunkSamples - 1) / ChunkSamples;
        int threads = Math.Min(ThreadCount, blocks);
        fixed (T* inputPointer = inputs)
        fixed (T* outputPointer = outputs)
        fixed (int* classPointer = classes)
        {
            _job = new Job(network, kind, batch, blocks, threads, inputPointer, outputPointer, classPointer);
            if (threads == 1)
            {
                try
                {
                    RunShard(0);
                }
                finally
                {
                    _job = default;
                }

                return;
            }

            Exception? failure = null;
            for (int i = 0; i < threads - 1; i++)
            {
                _workers[i] ??= new Worker(this, i + 1);
                _workers[i]!.Start();
            }

            try
            {
                RunShard(0);
            }
            catch (Exception exception)
            {
                failure = exception;
            }

            // Spans cannot cross threads: the workers read the caller's memory through the pointers above, which stay
            // pinned until every worker has finished.
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + Worker.SpinTicks;
            while (_done.CurrentCount < threads - 1 && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(16);
            }

            for (int i = 0; i < threads - 1; i++)
            {
                _done.Wait();
            }

            _job = default;
            for (int i = 0; i < threads - 1; i++)
            {
                failure ??= _workers[i]!.TakeFailure();
            }

            if (failure is not null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }

    // Thread `shard`'s contiguous run of whole blocks.
    private void RunShard(int shard)
    {
        var job = _job;
        int first = (int)((long)job.Blocks * shard / job.Threads);
        int end = (int)((long)job.Blocks * (shard + 1) / job.Threads);
        var spec = Spec;
        int inputSize = spec.InputSize;
        int outputSize = spec.OutputSize;
        Span<T> scratch = _scratch[shard];
        Span<T> blockOutputs = _outputs[shard];
        var classifier = job.Kind == RunKind.Outputs ? ClassifierKind.None : ClassifierOutput.KindOf(spec);
        int classCount = classifier == ClassifierKind.Binary ? 2 : outputSize;
        for (int block = first; block < end; block++)
        {
            int start = block * ChunkSamples;
            int count = Math.Min(ChunkSamples, job.Batch - start);
            var inputs = new ReadOnlySpan<T>(job.Inputs + ((nint)start * inputSize), count * inputSize);
            switch (job.Kind)
            {
                case RunKind.Outputs:
                    ForwardBlock(job.Network, inputs, new Span<T>(job.Outputs + ((nint)start * outputSize), count * outputSize), scratch);
                    break;
                case RunKind.Classes:
                    ForwardBlock(job.Network, inputs, blockOutputs[..(count * outputSize)], scratch);
                    for (int s = 0; s < count; s++)
                    {
                        job.Classes[start + s] = ClassifierOutput.ClassOf<T>(classifier, blockOutputs.Slice(s * outputSize, outputSize));
                    }

                    break;
                default:
                    var probabilities = new Span<T>(job.Outputs + ((nint)start * classCount), count * classCount);
                    if (classifier == ClassifierKind.Binary)
                    {
                        ForwardBlock(job.Network, inputs, blockOutputs[..count], scratch);
                        for (int s = 0; s < count; s++)
                        {
                            ClassifierOutput.ProbabilitiesOf<T>(classifier, blockOutputs.Slice(s, 1), probabilities.Slice(2 * s, 2));
                        }
                    }
                    else
                    {
                        ForwardBlock(job.Network, inputs, probabilities, scratch);
                    }

                    break;
            }
        }
    }

    private void ForwardBlock(INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> scratch)
    {
        if (network is IBatchForward<T> kernel)
        {
            kernel.ForwardChunk(inputs, outputs, scratch);
            return;
        }

        int inputSize = Spec.InputSize;
        int outputSize = Spec.OutputSize;
        int count = inputs.Length / inputSize;
        for (int s = 0; s < count; s++)
        {
            network.Forward(inputs.Slice(s * inputSize, inputSize), outputs.Slice(s * outputSize, outputSize));
        }
    }

    private readonly struct Job(INetwork<T> network, RunKind kind, int batch, int blocks, int threads, T* inputs, T* outputs, int* classes)
    {
        public INetwork<T> Network { get; } = network;

        public RunKind Kind { get; } = kind;

        public int Batch { get; } = batch;

        public int Blocks { get; } = blocks;

        public int Threads { get; } = threads;

        public T* Inputs { get; } = inputs;

        public T* Outputs { get; } = outputs;

        public int* Classes { get; } = classes;
    }

    /// <summary>A parked thread that runs one shard each time it is started.</summary>
    private sealed class Worker
    {
        // How long a parked thread spins for its next batch (and the caller for the workers) before it blocks: back-to-back
        // batches then find every thread awake.
        public static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 1000;
        private readonly InferenceWorkspace<T> _owner;
        private readonly int _shard;
        private readonly SemaphoreSlim _start = new(0);
        private Exception? _failure;
        private volatile bool _stopping;
        private long _allocatedBytes;

        public Worker(InferenceWorkspace<T> owner, int shard)
        {
            _owner = owner;
            _shard = shard;
            new Thread(Loop) { IsBackground = true, Name = $"NetGen inference {shard}" }.Start();
        }

        public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

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
                long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                while (_start.CurrentCount == 0 && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(16);
                }

                _start.Wait();
                if (_stopping)
                {
                    return;
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
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
                    Interlocked.Add(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
                    _owner._done.Release();
                }
            }
        }
    }
}
