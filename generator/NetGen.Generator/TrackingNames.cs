namespace NetGen.Generator;

/// <summary>Names of the pipeline steps, so tests can check what the incremental driver cached.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Model = nameof(Model);
    public const string Diagnostics = nameof(Diagnostics);
    public const string OrphanInput = nameof(OrphanInput);
    public const string OrphanDense = nameof(OrphanDense);
    public const string OrphanDropout = nameof(OrphanDropout);
    public const string WeightsFiles = nameof(WeightsFiles);
    public const string Weights = nameof(Weights);
    public const string HintNames = nameof(HintNames);
    public const string Emission = nameof(Emission);
}
