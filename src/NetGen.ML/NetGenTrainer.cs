using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using NetGen.Training;

namespace NetGen.ML;

/// <summary>
/// An ML.NET estimator that trains a NetGen network, generated or interpreted, on a feature vector column and a label
/// column with NetGen's <see cref="Trainer{T}"/>, and returns the <see cref="NetGenPredictionTransformer"/> that scores
/// with it. Made by the <c>NetGen</c> extensions of ML.NET's trainer catalogs (<see cref="NetGenCatalog"/>).
/// </summary>
/// <remarks>
/// <para>
/// Every <see cref="Fit(IDataView)"/> starts from a new network (a generated one as its constructor leaves it, so with its
/// baked weights if it has any; then as <see cref="TrainerOptions.Initialization"/> says) and reads the rows in the data
/// view's order, so equal data and options give bitwise-equal networks.
/// </para>
/// <para>
/// Rows must have finite features and a label (NetGen does not skip rows silently): drop or fill missing values with
/// <c>mlContext.Data.FilterRowsByMissingValues</c> or <c>mlContext.Transforms.ReplaceMissingValues</c> first. Features
/// go to the network as they are, so put a normalizer such as <c>NormalizeMeanVariance</c> before the trainer, as for
/// ML.NET's SDCA and L-BFGS trainers.
/// </para>
/// </remarks>
public sealed class NetGenTrainer : IEstimator<NetGenPredictionTransformer>
{
    private readonly Func<ITrainableNetwork<float>> _createNetwork;

    internal NetGenTrainer(NetGenTask task, NetworkSpec spec, Func<ITrainableNetwork<float>> createNetwork, NetGenTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.LabelColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.FeatureColumnName, nameof(options));
        ArgumentNullException.ThrowIfNull(options.Trainer, nameof(options));
        ScoringPlan.CheckNetwork(task, spec, "network");
        if (!spec.IsTrainable)
        {
            throw new ArgumentException($"The network {spec} is forward-only (no loss, or a Step layer) and cannot be trained.", "network");
        }

        options.Trainer.Validate();
        Task = task;
        Spec = spec;
        Options = options;
        _createNetwork = createNetwork;
    }

    /// <summary>The task: which label the trainer reads and which columns its transformer adds.</summary>
    public NetGenTask Task { get; }

    /// <summary>The architecture of the networks it trains.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The columns and training settings.</summary>
    public NetGenTrainerOptions Options { get; }

    /// <summary>Trains a new network on <paramref name="input"/>.</summary>
    /// <param name="input">The training data: the feature and label columns of <see cref="Options"/>.</param>
    /// <returns>The transformer that scores with the trained network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type or size; the message names it.</exception>
    /// <exception cref="InvalidOperationException">A row has a non-finite feature or a missing label, or there are no rows.</exception>
    /// <exception cref="TrainingDivergedException">The loss, a gradient or an update was NaN or infinite.</exception>
    public NetGenPredictionTransformer Fit(IDataView input) => Fit(input, validationData: null);

    /// <summary>
    /// Trains a new network on <paramref name="trainData"/>, evaluating <paramref name="validationData"/> after every epoch
    /// for early stopping and the best-epoch weights (<see cref="TrainerOptions.EarlyStoppingPatience"/>,
    /// <see cref="TrainerOptions.RestoreBestWeights"/>).
    /// </summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="validationData">Held-out data with the same columns, or null.</param>
    /// <returns>The transformer that scores with the trained network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type or size; the message names it.</exception>
    /// <exception cref="ArgumentException">Early stopping is on without validation data.</exception>
    /// <exception cref="InvalidOperationException">A row has a non-finite feature or a missing label, or there are no rows.</exception>
    /// <exception cref="TrainingDivergedException">The loss, a gradient or an update was NaN or infinite.</exception>
    public NetGenPredictionTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var (plan, features, label) = Prepare(trainData.Schema, nameof(trainData));
        var train = TrainingTable.Read(trainData, plan, features, label);
        var validation = validationData is null ? null : ReadValidation(validationData);
        var network = _createNetwork();
        var result = new Trainer<float>(network, Options.Trainer).Fit(train, validation, Options.Progress, Options.CancellationToken);
        return new NetGenPredictionTransformer(plan, network, result);
    }

    /// <summary>
    /// The schema the fitted transformer will produce from data of schema <paramref name="inputSchema"/>: its columns,
    /// then the added ones (<c>PredictedLabel</c> and <c>Score</c>; binary adds <c>Probability</c>; regression only
    /// <c>Score</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature or label column is missing or of the wrong kind.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var features = SchemaErrors.Find(inputSchema, nameof(inputSchema), "feature", Options.FeatureColumnName);
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || !features.ItemType.Equals(NumberDataViewType.Single))
        {
            throw SchemaErrors.Mismatch(nameof(inputSchema), "feature", Options.FeatureColumnName,
                $"{new VectorDataViewType(NumberDataViewType.Single, Spec.InputSize)}", SchemaErrors.Describe(features));
        }

        var label = SchemaErrors.Find(inputSchema, nameof(inputSchema), "label", Options.LabelColumnName);
        bool labelFits = Task switch
        {
            NetGenTask.MulticlassClassification => label.IsKey && label.Kind == SchemaShape.Column.VectorKind.Scalar,
            NetGenTask.BinaryClassification => label.Kind == SchemaShape.Column.VectorKind.Scalar && label.ItemType is BooleanDataViewType,
            _ => label.Kind == SchemaShape.Column.VectorKind.Scalar && label.ItemType.Equals(NumberDataViewType.Single),
        };
        if (!labelFits)
        {
            string expected = Task switch
            {
                NetGenTask.MulticlassClassification => "Key",
                NetGenTask.BinaryClassification => $"{BooleanDataViewType.Instance}",
                _ => $"{NumberDataViewType.Single}",
            };
            throw SchemaErrors.Mismatch(nameof(inputSchema), "label", Options.LabelColumnName, expected, SchemaErrors.Describe(label));
        }

        // A multiclass label's key values pass to the predicted label, so MapKeyToValue can follow the trainer.
        var keyValues = Task == NetGenTask.MulticlassClassification
            && label.Annotations.FirstOrDefault(a => a.Name == LabelKeyValues.KeyValuesKind) is { Kind: SchemaShape.Column.VectorKind.Vector } values
            ? LabelKeyValues.ForShape(values.ItemType, ClassifierOutput.ClassCount(Spec))
            : null;
        var added = new ScoringPlan(Task, Spec, Options.FeatureColumnName, keyValues).OutputShape();
        return new SchemaShape(inputSchema.Where(c => !added.Any(a => a.Name == c.Name)).Concat(added));
    }

    private (ScoringPlan Plan, DataViewSchema.Column Features, DataViewSchema.Column Label) Prepare(DataViewSchema schema, string paramName)
    {
        int classCount = Task == NetGenTask.Regression ? 0 : ClassifierOutput.ClassCount(Spec);
        var label = TrainingTable.FindLabelColumn(schema, Task, classCount, Options.LabelColumnName, paramName);
        var keyValues = Task == NetGenTask.MulticlassClassification ? LabelKeyValues.FromLabel(label, classCount) : null;
        var plan = new ScoringPlan(Task, Spec, Options.FeatureColumnName, keyValues);
        return (plan, plan.FindFeatureColumn(schema, paramName), label);
    }

    private NetGen.Data.Dataset<float> ReadValidation(IDataView validationData)
    {
        var (plan, features, label) = Prepare(validationData.Schema, nameof(validationData));
        return TrainingTable.Read(validationData, plan, features, label);
    }
}
