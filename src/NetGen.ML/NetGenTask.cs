namespace NetGen.ML;

/// <summary>The ML.NET task a NetGen trainer or transformer serves, which fixes its label type and output columns.</summary>
public enum NetGenTask
{
    /// <summary>
    /// One of K classes: a key-typed label with K values (as <c>MapValueToKey</c> makes it); outputs <c>Score</c>, a
    /// vector of K class scores, and <c>PredictedLabel</c>, a key of the same K values.
    /// </summary>
    MulticlassClassification = 0,

    /// <summary>
    /// Two classes: a <see cref="bool"/> label; outputs <c>Score</c> (the log-odds), <c>Probability</c> (P(true)) and
    /// <c>PredictedLabel</c> (<see cref="bool"/>).
    /// </summary>
    BinaryClassification = 1,

    /// <summary>A real value: a <see cref="float"/> label; outputs <c>Score</c>, the network's single output.</summary>
    Regression = 2,
}
