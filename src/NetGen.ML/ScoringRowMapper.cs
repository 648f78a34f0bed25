using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace NetGen.ML;

/// <summary>
/// The row-to-row form of a <see cref="NetGenPredictionTransformer"/>, which ML.NET's prediction engines use: each row it
/// makes scores its input row with a <see cref="RowScorer"/> of its own, so rows from one mapper may run on many threads.
/// </summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly ScoringPlan _plan;
    private readonly INetwork<float> _network;
    private readonly DataViewSchema.Column _features;

    public ScoringRowMapper(DataViewSchema inputSchema, ScoringPlan plan, INetwork<float> network)
    {
        _plan = plan;
        _network = network;
        _features = plan.FindFeatureColumn(inputSchema, nameof(inputSchema));
        InputSchema = inputSchema;
        OutputSchema = plan.OutputSchema(inputSchema);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        ArgumentNullException.ThrowIfNull(dependingColumns);
        var needed = new List<DataViewSchema.Column>();
        foreach (var column in dependingColumns)
        {
            var input = column.Index < InputSchema.Count ? InputSchema[column.Index] : _features;
            if (!needed.Any(c => c.Index == input.Index))
            {
                needed.Add(input);
            }
        }

        return needed;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        var active = new bool[_plan.Outputs.Count];
        foreach (var column in activeColumns)
        {
            if (column.Index >= InputSchema.Count)
            {
                active[column.Index - InputSchema.Count] = true;
            }
        }

        return new Row(this, input, active);
    }

    private sealed class Row : DataViewRow
    {
        private readonly ScoringRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly RowScorer? _scorer;

        public Row(ScoringRowMapper mapper, DataViewRow input, bool[] active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            _scorer = active.Any(a => a) ? new RowScorer(mapper._plan, mapper._network, input, mapper._features) : null;
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            RowScorer.IsColumnActive(_input, _mapper.InputSchema, _active, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            RowScorer.GetterOf<TValue>(_input, _mapper.InputSchema, _scorer, _active, column, "row");
    }
}
