using System;
using Microsoft.ML;
using Microsoft.ML.Data;
using NetGen.Training;

namespace NetGen.ML;

/// <summary>
/// A fitted NetGen trainer: an ML.NET transformer that adds the columns of its <see cref="Task"/> (<c>Score</c>,
/// <c>PredictedLabel</c>, binary <c>Probability</c>) to each row by running the network on the row's feature vector.
/// </summary>
/// <remarks>
/// <para>
/// Scoring calls the network's own <see cref="INetwork{T}.Forward"/> (the generated code, or the interpreted engine),
/// once per row, and allocates nothing per row beyond what ML.NET's cursors do. The transformer holds no per-use state:
/// any number of threads may use one transformer at once, through their own cursors, <see cref="Transform"/> results,
/// row mappers or prediction engines (ML.NET's <c>PredictionEngine</c> itself serves one thread; see
/// <see cref="NetGenCatalog.CreateThreadSafePredictionEngine{TSrc, TDst}"/>), as long as nobody changes
/// <see cref="Model"/>'s parameters meanwhile.
/// </para>
/// <para>
/// <c>mlContext.Model.Save</c> writes the task, the feature column, the network's architecture and parameters, the
/// label's key values and, for a generated network, its assembly-qualified type name; <c>mlContext.Model.Load</c> makes
/// the same network type again (its assembly must be loadable by the process) with bitwise the same parameters.
/// </para>
/// </remarks>
public sealed partial class NetGenPredictionTransformer : ISingleFeaturePredictionTransformer<INetwork<float>>
{
    private readonly ScoringPlan _plan;

    internal NetGenPredictionTransformer(ScoringPlan plan, INetwork<float> network, TrainingResult? trainingResult)
    {
        _plan = plan;
        Model = network;
        TrainingResult = trainingResult;
    }

    /// <summary>The task: the columns this transformer adds.</summary>
    public NetGenTask Task => _plan.Task;

    /// <summary>
    /// The trained network: an instance of the generated network type (cast it to use its own members), or an
    /// <see cref="InterpretedNetwork{T}"/>. Scores are its outputs for the row's features, so <c>Model.Forward</c> and
    /// NetGen's prediction helpers give the same numbers outside a pipeline. Changing its parameters changes this
    /// transformer, and must not happen while it scores.
    /// </summary>
    public INetwork<float> Model { get; }

    /// <summary>The architecture of <see cref="Model"/>.</summary>
    public NetworkSpec Spec => _plan.Spec;

    /// <summary>The number of classes (the size of a multiclass <c>Score</c>, 2 for binary); 0 for regression.</summary>
    public int ClassCount => _plan.ClassCount;

    /// <summary>The column the network reads.</summary>
    public string FeatureColumnName => _plan.FeatureColumnName;

    /// <summary>The type the feature column must have: a vector of the network's input size in singles.</summary>
    public DataViewType FeatureColumnType => _plan.FeatureType;

    /// <summary>How training went (epochs, losses, history); null for a transformer loaded from a model file.</summary>
    public TrainingResult? TrainingResult { get; }

    /// <summary>Always true: the transformer maps each row on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The schema of <see cref="Transform"/>'s output: <paramref name="inputSchema"/>'s columns, then the added ones.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or not a vector of the network's input size in singles.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        _plan.FindFeatureColumn(inputSchema, nameof(inputSchema));
        return _plan.OutputSchema(inputSchema);
    }

    /// <summary>Scores <paramref name="input"/> lazily: rows are scored as cursors read the added columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or not a vector of the network's input size in singles.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoredDataView(input, _plan, Model);
    }

    /// <summary>The row-to-row mapper ML.NET's prediction engines use; its rows may be used on many threads, one row per thread.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or not a vector of the network's input size in singles.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoringRowMapper(inputSchema, _plan, Model);
    }
}
