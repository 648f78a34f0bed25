using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace NetGen.ML;

/// <summary>
/// The data a <see cref="NetGenPredictionTransformer"/> makes: the input's columns as they are, then the added ones,
/// computed lazily, row by row, as cursors read them. Cursors over it are independent, so any number may run at once
/// (ML.NET's parallel cursor sets included).
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _source;
    private readonly ScoringPlan _plan;
    private readonly INetwork<float> _network;
    private readonly DataViewSchema.Column _features;

    public ScoredDataView(IDataView source, ScoringPlan plan, INetwork<float> network)
    {
        _source = source;
        _plan = plan;
        _network = network;
        _features = plan.FindFeatureColumn(source.Schema, "input");
        Schema = plan.OutputSchema(source.Schema);
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => _source.CanShuffle;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (sourceColumns, active) = Split(columnsNeeded);
        return new Cursor(this, _source.GetRowCursor(sourceColumns, rand), active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (sourceColumns, active) = Split(columnsNeeded);
        return _source.GetRowCursorSet(sourceColumns, n, rand).Select(cursor => (DataViewRowCursor)new Cursor(this, cursor, active)).ToArray();
    }

    // The source columns a cursor needs (those asked for, and the features when an added column is asked for) and which
    // added columns are active.
    private (List<DataViewSchema.Column> Source, bool[] Active) Split(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        int sourceCount = _source.Schema.Count;
        var source = new List<DataViewSchema.Column>();
        var active = new bool[_plan.Outputs.Count];
        foreach (var column in columnsNeeded)
        {
            if (column.Index < sourceCount)
            {
                source.Add(_source.Schema[column.Index]);
            }
            else
            {
                active[column.Index - sourceCount] = true;
            }
        }

        if (active.Any(a => a) && !source.Any(c => c.Index == _features.Index))
        {
            source.Add(_features);
        }

        return (source, active);
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoredDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly bool[] _active;
        private readonly RowScorer? _scorer;

        public Cursor(ScoredDataView view, DataViewRowCursor input, bool[] active)
        {
            _view = view;
            _input = input;
            _active = active;
            _scorer = active.Any(a => a) ? new RowScorer(view._plan, view._network, input, view._features) : null;
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            RowScorer.IsColumnActive(_input, _view._source.Schema, _active, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            RowScorer.GetterOf<TValue>(_input, _view._source.Schema, _scorer, _active, column, "cursor");

        public override bool MoveNext() => _input.MoveNext();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
