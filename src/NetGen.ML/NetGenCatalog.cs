using System;
using Microsoft.ML;
using NetGen.Training;

namespace NetGen.ML;

/// <summary>
/// NetGen's extensions of ML.NET's catalogs: trainers for multiclass classification, binary classification and regression
/// that train a generated network type (<c>NetGen&lt;DigitsNet&gt;()</c>) or, for any architecture, the interpreted
/// engine (<c>NetGen(spec)</c>), and a prediction engine that many threads may share.
/// </summary>
/// <example><code>
/// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
///     .Append(mlContext.Transforms.NormalizeMeanVariance("Features"))
///     .Append(mlContext.MulticlassClassification.Trainers.NetGen&lt;DigitsNet&gt;(
///         trainerOptions: new TrainerOptions { Optimizer = new AdamOptimizer(), LearningRate = 0.001, Epochs = 40, Seed = 1 }));
/// var model = pipeline.Fit(train);
/// var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
/// </code></example>
public static class NetGenCatalog
{
    private const string DefaultLabel = "Label";
    private const string DefaultFeatures = "Features";

    /// <summary>
    /// Trains the generated network <typeparamref name="TNetwork"/> as a multiclass classifier: the label is a key with
    /// one value per class (the network's outputs, or two for one sigmoid output); the transformer adds
    /// <c>PredictedLabel</c> (a key) and <c>Score</c> (the class probabilities of a softmax or sigmoid output, otherwise
    /// the raw outputs).
    /// </summary>
    /// <typeparam name="TNetwork">The network type: a class declared with <c>[Network]</c>, <c>[Input]</c> and <c>[Dense]</c>.</typeparam>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The label column, a key type.</param>
    /// <param name="featureColumnName">The feature column, a vector of the network's input size in singles.</param>
    /// <param name="trainerOptions">NetGen's training settings (<see cref="TrainerOptions"/>'s defaults when null).</param>
    /// <exception cref="ArgumentException">The network is not a classifier, or cannot be trained.</exception>
    public static NetGenTrainer NetGen<TNetwork>(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultLabel, string featureColumnName = DefaultFeatures, TrainerOptions? trainerOptions = null)
        where TNetwork : ITrainableNetwork<float>, new() =>
        NetGen<TNetwork>(catalog, Options(labelColumnName, featureColumnName, trainerOptions));

    /// <summary>Trains the generated network <typeparamref name="TNetwork"/> as a multiclass classifier (see the overload with column names).</summary>
    /// <typeparam name="TNetwork">The network type.</typeparam>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The columns and training settings.</param>
    /// <exception cref="ArgumentException">The network is not a classifier, or cannot be trained.</exception>
    public static NetGenTrainer NetGen<TNetwork>(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, NetGenTrainerOptions options)
        where TNetwork : ITrainableNetwork<float>, new()
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Generated<TNetwork>(NetGenTask.MulticlassClassification, options);
    }

    /// <summary>Trains an interpreted network of architecture <paramref name="network"/> as a multiclass classifier (see the generic overload).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="network">The architecture, such as <c>new NetworkSpec(4, [new(16, Activation.ReLU), new(3, Activation.Softmax)], Loss.SoftmaxCrossEntropy)</c>.</param>
    /// <param name="labelColumnName">The label column, a key type.</param>
    /// <param name="featureColumnName">The feature column, a vector of the network's input size in singles.</param>
    /// <param name="trainerOptions">NetGen's training settings (<see cref="TrainerOptions"/>'s defaults when null).</param>
    /// <exception cref="ArgumentException">The network is not a classifier, or cannot be trained.</exception>
    public static NetGenTrainer NetGen(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, NetworkSpec network,
        string labelColumnName = DefaultLabel, string featureColumnName = DefaultFeatures, TrainerOptions? trainerOptions = null) =>
        NetGen(catalog, network, Options(labelColumnName, featureColumnName, trainerOptions));

    /// <summary>Trains an interpreted network of architecture <paramref name="network"/> as a multiclass classifier.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="network">The architecture.</param>
    /// <param name="options">The columns and training settings.</param>
    /// <exception cref="ArgumentException">The network is not a classifier, or cannot be trained.</exception>
    public static NetGenTrainer NetGen(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, NetworkSpec network, NetGenTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Interpreted(NetGenTask.MulticlassClassification, network, options);
    }

    /// <summary>
    /// Trains the generated network <typeparamref name="TNetwork"/> as a binary classifier: the label is a
    /// <see cref="bool"/>; the network has one sigmoid output (P(true)) or two softmax outputs; the transformer adds
    /// <c>PredictedLabel</c> (<see cref="bool"/>), <c>Score</c> (the log-odds ln(p / (1 − p))) and <c>Probability</c> (p).
    /// </summary>
    /// <typeparam name="TNetwork">The network type.</typeparam>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="labelColumnName">The label column, <see cref="bool"/>.</param>
    /// <param name="featureColumnName">The feature column, a vector of the network's input size in singles.</param>
    /// <param name="trainerOptions">NetGen's training settings (<see cref="TrainerOptions"/>'s defaults when null).</param>
    /// <exception cref="ArgumentException">The network does not give P(true), or cannot be trained.</exception>
    public static NetGenTrainer NetGen<TNetwork>(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = DefaultLabel, string featureColumnName = DefaultFeatures, TrainerOptions? trainerOptions = null)
        where TNetwork : ITrainableNetwork<float>, new() =>
        NetGen<TNetwork>(catalog, Options(labelColumnName, featureColumnName, trainerOptions));

    /// <summary>Trains the generated network <typeparamref name="TNetwork"/> as a binary classifier (see the overload with column names).</summary>
    /// <typeparam name="TNetwork">The network type.</typeparam>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="options">The columns and training settings.</param>
    /// <exception cref="ArgumentException">The network does not give P(true), or cannot be trained.</exception>
    public static NetGenTrainer NetGen<TNetwork>(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, NetGenTrainerOptions options)
        where TNetwork : ITrainableNetwork<float>, new()
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Generated<TNetwork>(NetGenTask.BinaryClassification, options);
    }

    /// <summary>Trains an interpreted network of architecture <paramref name="network"/> as a binary classifier (see the generic overload).</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="network">The architecture.</param>
    /// <param name="labelColumnName">The label column, <see cref="bool"/>.</param>
    /// <param name="featureColumnName">The feature column, a vector of the network's input size in singles.</param>
    /// <param name="trainerOptions">NetGen's training settings (<see cref="TrainerOptions"/>'s defaults when null).</param>
    /// <exception cref="ArgumentException">The network does not give P(true), or cannot be trained.</exception>
    public static NetGenTrainer NetGen(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, NetworkSpec network,
        string labelColumnName = DefaultLabel, string featureColumnName = DefaultFeatures, TrainerOptions? trainerOptions = null) =>
        NetGen(catalog, network, Options(labelColumnName, featureColumnName, trainerOptions));

    /// <summary>Trains an interpreted network of architecture <paramref name="network"/> as a binary classifier.</summary>
    /// <param name="catalog">The binary trainers catalog.</param>
    /// <param name="network">The architecture.</param>
    /// <param name="options">The columns and training settings.</param>
    /// <exception cref="ArgumentException">The network does not give P(true), or cannot be trained.</exception>
    public static NetGenTrainer NetGen(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, NetworkSpec network, NetGenTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Interpreted(NetGenTask.BinaryClassification, network, options);
    }

    /// <summary>
    /// Trains the generated network <typeparamref name="TNetwork"/> for regression: the label is a <see cref="float"/>;
    /// the network has one output, which the transformer adds as <c>Score</c>.
    /// </summary>
    /// <typeparam name="TNetwork">The network type.</typeparam>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">The label column, <see cref="float"/>.</param>
    /// <param name="featureColumnName">The feature column, a vector of the network's input size in singles.</param>
    /// <param name="trainerOptions">NetGen's training settings (<see cref="TrainerOptions"/>'s defaults when null).</param>
    /// <exception cref="ArgumentException">The network has more than one output, or cannot be trained.</exception>
    public static NetGenTrainer NetGen<TNetwork>(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = DefaultLabel, string featureColumnName = DefaultFeatures, TrainerOptions? trainerOptions = null)
        where TNetwork : ITrainableNetwork<float>, new() =>
        NetGen<TNetwork>(catalog, Options(labelColumnName, featureColumnName, trainerOptions));

    /// <summary>Trains the generated network <typeparamref name="TNetwork"/> for regression (see the overload with column names).</summary>
    /// <typeparam name="TNetwork">The network type.</typeparam>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">The columns and training settings.</param>
    /// <exception cref="ArgumentException">The network has more than one output, or cannot be trained.</exception>
    public static NetGenTrainer NetGen<TNetwork>(this RegressionCatalog.RegressionTrainers catalog, NetGenTrainerOptions options)
        where TNetwork : ITrainableNetwork<float>, new()
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Generated<TNetwork>(NetGenTask.Regression, options);
    }

    /// <summary>Trains an interpreted network of architecture <paramref name="network"/> for regression (see the generic overload).</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="network">The architecture.</param>
    /// <param name="labelColumnName">The label column, <see cref="float"/>.</param>
    /// <param name="featureColumnName">The feature column, a vector of the network's input size in singles.</param>
    /// <param name="trainerOptions">NetGen's training settings (<see cref="TrainerOptions"/>'s defaults when null).</param>
    /// <exception cref="ArgumentException">The network has more than one output, or cannot be trained.</exception>
    public static NetGenTrainer NetGen(this RegressionCatalog.RegressionTrainers catalog, NetworkSpec network,
        string labelColumnName = DefaultLabel, string featureColumnName = DefaultFeatures, TrainerOptions? trainerOptions = null) =>
        NetGen(catalog, network, Options(labelColumnName, featureColumnName, trainerOptions));

    /// <summary>Trains an interpreted network of architecture <paramref name="network"/> for regression.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="network">The architecture.</param>
    /// <param name="options">The columns and training settings.</param>
    /// <exception cref="ArgumentException">The network has more than one output, or cannot be trained.</exception>
    public static NetGenTrainer NetGen(this RegressionCatalog.RegressionTrainers catalog, NetworkSpec network, NetGenTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Interpreted(NetGenTask.Regression, network, options);
    }

    /// <summary>
    /// A prediction engine for <paramref name="model"/> (any ML.NET transformer or pipeline, NetGen's or not) that any
    /// number of threads may call at once: each thread gets its own ML.NET <see cref="PredictionEngine{TSrc, TDst}"/>
    /// on first use, all sharing the one model, whose transformers must allow that (NetGen's do). Engines live until
    /// the returned object is disposed.
    /// </summary>
    /// <typeparam name="TSrc">The input row class.</typeparam>
    /// <typeparam name="TDst">The prediction class.</typeparam>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted model.</param>
    public static ThreadSafePredictionEngine<TSrc, TDst> CreateThreadSafePredictionEngine<TSrc, TDst>(this ModelOperationsCatalog catalog, ITransformer model)
        where TSrc : class
        where TDst : class, new()
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        return new ThreadSafePredictionEngine<TSrc, TDst>(() => catalog.CreatePredictionEngine<TSrc, TDst>(model));
    }

    private static NetGenTrainerOptions Options(string labelColumnName, string featureColumnName, TrainerOptions? trainerOptions) =>
        new() { LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, Trainer = trainerOptions ?? new TrainerOptions() };

    private static NetGenTrainer Generated<TNetwork>(NetGenTask task, NetGenTrainerOptions options)
        where TNetwork : ITrainableNetwork<float>, new() =>
        new(task, new TNetwork().Spec, () => new TNetwork(), options);

    private static NetGenTrainer Interpreted(NetGenTask task, NetworkSpec network, NetGenTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new(task, network, () => new InterpretedNetwork<float>(network), options);
    }
}
