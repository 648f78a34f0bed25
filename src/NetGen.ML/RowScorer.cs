using System;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace NetGen.ML;

/// <summary>
/// The added columns of one row source (a cursor, or the row a prediction engine feeds): reads the features, runs the
/// network's <see cref="INetwork{T}.Forward"/> once per row, whichever added columns are read and in whatever order, and
/// serves each column from that one output.
/// </summary>
/// <remarks>
/// One per cursor or row, never shared: its buffers are its own, so any number of them may score at once on one
/// network (whose <c>Forward</c> writes nothing shared). Everything is allocated here, once; reading a row allocates
/// nothing, as long as the caller reuses its <see cref="VBuffer{T}"/> for the class scores, as ML.NET's own consumers do.
/// </remarks>
internal sealed class RowScorer
{
    private readonly ScoringPlan _plan;
    private readonly INetwork<float> _network;
    private readonly DataViewRow _input;
    private readonly ValueGetter<VBuffer<float>> _featureGetter;
    private readonly float[] _features;
    private readonly float[] _outputs;
    // Class probabilities (or raw outputs, for a network whose outputs are not probabilities) of a classifier.
    private readonly float[] _scores;
    private VBuffer<float> _featureBuffer;
    private long _scoredPosition = -1;

    public RowScorer(ScoringPlan plan, INetwork<float> network, DataViewRow input, DataViewSchema.Column inputFeatures)
    {
        _plan = plan;
        _network = network;
        _input = input;
        _featureGetter = input.GetGetter<VBuffer<float>>(inputFeatures);
        _features = new float[plan.Spec.InputSize];
        _outputs = new float[plan.Spec.OutputSize];
        _scores = new float[plan.ClassCount];
    }

    /// <summary>Whether <paramref name="column"/> of a scored row is active: an input column as the input row says, an
    /// added column as the caller asked.</summary>
    public static bool IsColumnActive(DataViewRow input, DataViewSchema inputSchema, bool[] active, DataViewSchema.Column column) =>
        column.Index < inputSchema.Count ? input.IsColumnActive(inputSchema[column.Index]) : active[column.Index - inputSchema.Count];

    /// <summary>The getter of <paramref name="column"/> of a scored row: an input column's from the input row, an added
    /// column's from the scorer, which exists when any added column is active.</summary>
    /// <exception cref="InvalidOperationException">An added column that was not asked for; <paramref name="rowKind"/>
    /// names the row or cursor in the message.</exception>
    public static ValueGetter<TValue> GetterOf<TValue>(
        DataViewRow input, DataViewSchema inputSchema, RowScorer? scorer, bool[] active, DataViewSchema.Column column, string rowKind)
    {
        if (column.Index < inputSchema.Count)
        {
            return input.GetGetter<TValue>(inputSchema[column.Index]);
        }

        int output = column.Index - inputSchema.Count;
        if (scorer is null || !active[output])
        {
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this {rowKind}; ask for it when creating the {rowKind}.");
        }

        return scorer.GetGetter<TValue>(output, column.Name);
    }

    /// <summary>The getter of added column <paramref name="output"/>, typed as ML.NET asks for it.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="TValue"/> is not the column's type.</exception>
    public ValueGetter<TValue> GetGetter<TValue>(int output, string columnName)
    {
        Delegate getter = _plan.Outputs[output] switch
        {
            OutputKind.PredictedKey => (ValueGetter<uint>)GetPredictedKey,
            OutputKind.ClassScores => (ValueGetter<VBuffer<float>>)GetClassScores,
            OutputKind.PredictedBoolean => (ValueGetter<bool>)GetPredictedBoolean,
            OutputKind.Probability => (ValueGetter<float>)GetProbability,
            _ => _plan.Task == NetGenTask.Regression ? (ValueGetter<float>)GetValue : (ValueGetter<float>)GetLogOdds,
        };
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Invalid TValue in GetGetter: '{typeof(TValue)}' for column '{columnName}', expected type: '{_plan.TypeOf(output).RawType}'.");
    }

    private void GetPredictedKey(ref uint value) => value = (uint)ClassifierOutput.ClassOf<float>(_plan.Kind, Score()) + 1;

    private void GetClassScores(ref VBuffer<float> value)
    {
        Score();
        var editor = VBufferEditor.Create(ref value, _scores.Length);
        _scores.CopyTo(editor.Values);
        value = editor.Commit();
    }

    private void GetPredictedBoolean(ref bool value) => value = ClassifierOutput.ClassOf<float>(_plan.Kind, Score()) == 1;

    private void GetProbability(ref float value)
    {
        Score();
        value = _scores[1];
    }

    // The binary score is the log-odds ln(p / (1 − p)) of the probability, the margin ML.NET's calibrated binary
    // classifiers report beside it (their Probability is σ(Score)); it is ±∞ where p rounds to 1 or 0.
    private void GetLogOdds(ref float value)
    {
        Score();
        value = MathF.Log(_scores[1]) - MathF.Log(_scores[0]);
    }

    private void GetValue(ref float value) => value = Score()[0];

    // Runs the network on the current row unless it already has; returns its raw output.
    private ReadOnlySpan<float> Score()
    {
        long position = _input.Position;
        if (position != _scoredPosition)
        {
            _featureGetter(ref _featureBuffer);
            if (_featureBuffer.Length != _features.Length)
            {
                throw new InvalidOperationException(
                    $"Row {position} of the feature column '{_plan.FeatureColumnName}' has {_featureBuffer.Length} values; the network {_plan.Spec} takes {_features.Length}.");
            }

            // Sparse vectors (from some text and categorical transforms) are scattered into the dense input.
            _featureBuffer.CopyTo(_features);
            _network.Forward(_features, _outputs);
            if (_scores.Length > 0)
            {
                if (_plan.ScoresAreProbabilities)
                {
                    ClassifierOutput.ProbabilitiesOf<float>(_plan.Kind, _outputs, _scores);
                }
                else
                {
                    _outputs.CopyTo(_scores, 0);
                }
            }

            _scoredPosition = position;
        }

        return _outputs;
    }
}
