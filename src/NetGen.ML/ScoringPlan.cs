using System;
using System.Collections.Generic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace NetGen.ML;

/// <summary>What a transformer adds to a row, in the order it adds it.</summary>
internal enum OutputKind
{
    /// <summary>Multiclass <c>PredictedLabel</c>: the key (1-based) of the largest class score.</summary>
    PredictedKey,

    /// <summary>Multiclass <c>Score</c>: one score per class.</summary>
    ClassScores,

    /// <summary>Binary <c>PredictedLabel</c>: whether the class is the positive one.</summary>
    PredictedBoolean,

    /// <summary>Binary <c>Score</c> (the log-odds) or regression <c>Score</c> (the output).</summary>
    Score,

    /// <summary>Binary <c>Probability</c>: P(true).</summary>
    Probability,
}

/// <summary>
/// A network serving one <see cref="NetGenTask"/>: which networks fit the task, the feature column it reads, and the
/// columns it adds, with the types and annotations ML.NET's own trainers give them (checked against SDCA's output in the
/// tests), so ML.NET's evaluators, <c>MapKeyToValue</c> and prediction engines treat them as they treat ML.NET's.
/// </summary>
internal sealed class ScoringPlan
{
    public const string ScoreColumnName = "Score";
    public const string PredictedLabelColumnName = "PredictedLabel";
    public const string ProbabilityColumnName = "Probability";

    // ML.NET's annotation kinds for scores (the names of its AnnotationUtils.Kinds, which is internal).
    private const string ScoreColumnSetIdKind = "ScoreColumnSetId";
    private const string ScoreColumnKindKind = "ScoreColumnKind";
    private const string ScoreValueKindKind = "ScoreValueKind";
    private const string TrainingLabelValuesKind = "TrainingLabelValues";
    private const string SlotNamesKind = "SlotNames";
    private const string IsNormalizedKind = "IsNormalized";

    // ML.NET types the score-set id as a key over [0, int.MaxValue).
    private static readonly KeyDataViewType ScoreColumnSetIdType = new(typeof(uint), int.MaxValue);

    private readonly OutputKind[] _outputs;

    public ScoringPlan(NetGenTask task, NetworkSpec spec, string featureColumnName, LabelKeyValues? labelKeyValues)
    {
        Task = task;
        Spec = spec;
        FeatureColumnName = featureColumnName;
        LabelKeyValues = labelKeyValues;
        FeatureType = new VectorDataViewType(NumberDataViewType.Single, spec.InputSize);
        Kind = ClassifierOutput.KindOf(spec);
        ClassCount = task == NetGenTask.Regression ? 0 : ClassifierOutput.ClassCount(spec);
        ScoresAreProbabilities = task != NetGenTask.Regression && ClassifierOutput.HasProbabilities(spec);
        _outputs = task switch
        {
            NetGenTask.MulticlassClassification => [OutputKind.PredictedKey, OutputKind.ClassScores],
            NetGenTask.BinaryClassification => [OutputKind.PredictedBoolean, OutputKind.Score, OutputKind.Probability],
            _ => [OutputKind.Score],
        };
    }

    public NetGenTask Task { get; }

    public NetworkSpec Spec { get; }

    public string FeatureColumnName { get; }

    /// <summary>The feature column's type: a vector of <see cref="NetworkSpec.InputSize"/> singles.</summary>
    public VectorDataViewType FeatureType { get; }

    public LabelKeyValues? LabelKeyValues { get; }

    public ClassifierKind Kind { get; }

    /// <summary>The number of classes; 0 for regression.</summary>
    public int ClassCount { get; }

    /// <summary>Whether the class scores are probabilities (a softmax or one sigmoid output), as opposed to raw outputs.</summary>
    public bool ScoresAreProbabilities { get; }

    /// <summary>The kinds of the added columns, in order.</summary>
    public IReadOnlyList<OutputKind> Outputs => _outputs;

    /// <summary>
    /// Checks that <paramref name="spec"/> can serve <paramref name="task"/>: a classifier for multiclass, one sigmoid
    /// output or a two-way softmax for binary (which must give a probability), one output for regression.
    /// </summary>
    /// <exception cref="ArgumentException">It cannot; the message says why.</exception>
    public static void CheckNetwork(NetGenTask task, NetworkSpec spec, string paramName)
    {
        ArgumentNullException.ThrowIfNull(spec, paramName);
        var kind = ClassifierOutput.KindOf(spec);
        string? problem = task switch
        {
            NetGenTask.MulticlassClassification when kind == ClassifierKind.None =>
                "has one output that is not a sigmoid; a multiclass network has an output per class (Softmax, with SoftmaxCrossEntropy)",
            NetGenTask.BinaryClassification when !(kind == ClassifierKind.Binary || (spec.OutputSize == 2 && ClassifierOutput.HasProbabilities(spec))) =>
                "does not give P(true): a binary network has one Sigmoid output (BinaryCrossEntropy) or two Softmax outputs",
            NetGenTask.Regression when spec.OutputSize != 1 =>
                $"has {spec.OutputSize} outputs; ML.NET's regression has one label, so the network needs one output",
            NetGenTask.MulticlassClassification or NetGenTask.BinaryClassification or NetGenTask.Regression => null,
            _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Not a NetGenTask."),
        };
        if (problem is not null)
        {
            throw new ArgumentException($"The network {spec} {problem}.", paramName);
        }
    }

    /// <summary>The feature column of <paramref name="schema"/>, checked to be a vector of InputSize singles.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing or of another type (ML.NET's wording).</exception>
    public DataViewSchema.Column FindFeatureColumn(DataViewSchema schema, string paramName)
    {
        var column = SchemaErrors.Find(schema, paramName, "feature", FeatureColumnName);
        if (!column.Type.Equals(FeatureType))
        {
            throw SchemaErrors.Mismatch(paramName, "feature", FeatureColumnName, $"{FeatureType}", $"{column.Type}");
        }

        return column;
    }

    /// <summary>The name of added column <paramref name="output"/>.</summary>
    public string NameOf(int output) => _outputs[output] switch
    {
        OutputKind.PredictedKey or OutputKind.PredictedBoolean => PredictedLabelColumnName,
        OutputKind.Probability => ProbabilityColumnName,
        _ => ScoreColumnName,
    };

    /// <summary>The type of added column <paramref name="output"/>.</summary>
    public DataViewType TypeOf(int output) => _outputs[output] switch
    {
        OutputKind.PredictedKey => new KeyDataViewType(typeof(uint), ClassCount),
        OutputKind.ClassScores => new VectorDataViewType(NumberDataViewType.Single, ClassCount),
        OutputKind.PredictedBoolean => BooleanDataViewType.Instance,
        _ => NumberDataViewType.Single,
    };

    /// <summary><paramref name="input"/>'s columns (same indices), then the added ones.</summary>
    public DataViewSchema OutputSchema(DataViewSchema input)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        uint scoreSet = NextScoreColumnSetId(input);
        for (int i = 0; i < _outputs.Length; i++)
        {
            builder.AddColumn(NameOf(i), TypeOf(i), Annotations(i, scoreSet));
        }

        return builder.ToSchema();
    }

    /// <summary>The added columns alone, as a schema shape for an estimator's <c>GetOutputSchema</c>.</summary>
    public SchemaShape OutputShape()
    {
        var builder = new DataViewSchema.Builder();
        for (int i = 0; i < _outputs.Length; i++)
        {
            builder.AddColumn(NameOf(i), TypeOf(i), Annotations(i, scoreSet: 1));
        }

        return SchemaShape.Create(builder.ToSchema());
    }

    private DataViewSchema.Annotations Annotations(int output, uint scoreSet)
    {
        var kind = _outputs[output];
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(ScoreColumnSetIdKind, ScoreColumnSetIdType, (ref uint value) => value = scoreSet);
        AddText(builder, ScoreColumnKindKind, Task.ToString());
        AddText(builder, ScoreValueKindKind, NameOf(output));
        if (kind == OutputKind.PredictedKey)
        {
            LabelKeyValues?.AddTo(builder, LabelKeyValues.KeyValuesKind);
        }
        else if (kind == OutputKind.ClassScores && LabelKeyValues is { } values)
        {
            values.AddTo(builder, TrainingLabelValuesKind);
            if (values.IsText)
            {
                values.AddTo(builder, SlotNamesKind);
            }
        }
        else if (kind == OutputKind.Probability)
        {
            builder.Add(IsNormalizedKind, BooleanDataViewType.Instance, (ref bool value) => value = true);
        }

        return builder.ToAnnotations();

        static void AddText(DataViewSchema.Annotations.Builder builder, string kind, string text) =>
            builder.Add(kind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = text.AsMemory());
    }

    // ML.NET numbers the score columns a pipeline adds: each scorer takes one more than the largest id in its input, so
    // an evaluator can tell the scores of two models apart.
    private static uint NextScoreColumnSetId(DataViewSchema input)
    {
        uint largest = 0;
        foreach (var column in input)
        {
            if (column.Annotations.Schema.GetColumnOrNull(ScoreColumnSetIdKind) is { Type: KeyDataViewType { RawType: var raw } } && raw == typeof(uint))
            {
                uint id = 0;
                column.Annotations.GetValue(ScoreColumnSetIdKind, ref id);
                largest = Math.Max(largest, id);
            }
        }

        return largest + 1;
    }
}
