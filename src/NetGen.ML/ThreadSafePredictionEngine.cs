using System;
using System.Threading;
using Microsoft.ML;

namespace NetGen.ML;

/// <summary>
/// ML.NET's <see cref="PredictionEngine{TSrc, TDst}"/> for any number of threads at once: one engine per thread, made on
/// the thread's first call, all over the same model. Made by
/// <see cref="NetGenCatalog.CreateThreadSafePredictionEngine{TSrc, TDst}"/>.
/// </summary>
/// <typeparam name="TSrc">The input row class.</typeparam>
/// <typeparam name="TDst">The prediction class.</typeparam>
/// <remarks>
/// A prediction engine keeps its input row, its output row and its cursor state between calls, which is why one engine
/// must not serve two threads at once; the model it runs may, when its transformers allow it (a NetGen transformer keeps
/// nothing per call). After a thread's first call, <see cref="Predict(TSrc, ref TDst)"/> allocates what the engine
/// allocates and nothing more.
/// </remarks>
public sealed class ThreadSafePredictionEngine<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private readonly ThreadLocal<PredictionEngine<TSrc, TDst>> _engines;

    internal ThreadSafePredictionEngine(Func<PredictionEngine<TSrc, TDst>> createEngine) =>
        _engines = new ThreadLocal<PredictionEngine<TSrc, TDst>>(createEngine, trackAllValues: true);

    /// <summary>The prediction for <paramref name="example"/>, in a new <typeparamref name="TDst"/>.</summary>
    /// <exception cref="ObjectDisposedException">The engine has been disposed.</exception>
    public TDst Predict(TSrc example) => _engines.Value!.Predict(example);

    /// <summary>The prediction for <paramref name="example"/>, written into <paramref name="prediction"/> (made when null).</summary>
    /// <exception cref="ObjectDisposedException">The engine has been disposed.</exception>
    public void Predict(TSrc example, ref TDst prediction) => _engines.Value!.Predict(example, ref prediction);

    /// <summary>Disposes every thread's engine. No thread may be predicting.</summary>
    public void Dispose()
    {
        foreach (var engine in _engines.Values)
        {
            engine.Dispose();
        }

        _engines.Dispose();
    }
}
