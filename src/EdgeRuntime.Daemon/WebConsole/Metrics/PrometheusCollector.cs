using System.Diagnostics.Metrics;

namespace EdgeRuntime.WebConsole.Metrics;

/// <summary>
/// Listens to the instruments of one <see cref="Meter"/> instance (a MeterListener) and renders them in the Prometheus
/// text format: counters as _total, gauges as they are, histograms as cumulative _bucket{le}/_sum/_count with +Inf.
/// Units become name suffixes (s -> _seconds, By -> _bytes, Cel -> _celsius). Observable instruments are read at scrape
/// time. Measurements on the frame loop's hot path (the stage histogram) take one short lock and allocate nothing for a
/// series seen before.
/// </summary>
internal sealed class PrometheusCollector : IDisposable
{
    /// <summary>Bucket upper bounds of every histogram, in the instrument's unit (seconds for the stage latency).</summary>
    public static readonly double[] Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly object _lock = new();
    private readonly Dictionary<Instrument, Family> _families = [];
    private readonly List<Instrument> _order = [];

    public PrometheusCollector(Meter meter)
    {
        _meter = meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, _meter)) return;
            lock (_lock)
            {
                if (!_families.ContainsKey(instrument))
                {
                    _families[instrument] = new Family(instrument);
                    _order.Add(instrument);
                }
            }
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The exposition text: observable instruments are read now.</summary>
    public string Scrape()
    {
        lock (_lock)
        {
            // Gauges report what they observe now; a series that is gone (model swapped) must not linger.
            foreach (var f in _families.Values)
                if (f.Observable && !f.IsCounter) f.Series.Clear();
        }
        _listener.RecordObservableInstruments();
        var w = new PrometheusTextWriter();
        lock (_lock)
        {
            foreach (var instrument in _order)
            {
                var f = _families[instrument];
                if (f.Series.Count == 0 && f.Kind != "histogram") continue;
                w.Family(f.Name, f.Kind, string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description);
                foreach (var s in f.Series.Values)
                {
                    if (f.Kind == "histogram")
                    {
                        long cumulative = 0;
                        for (int b = 0; b < Buckets.Length; b++)
                        {
                            cumulative += s.Counts[b];
                            w.Sample(f.Name + "_bucket", s.Labels, cumulative, "le", PrometheusTextWriter.FormatValue(Buckets[b]));
                        }
                        w.Sample(f.Name + "_bucket", s.Labels, s.Count, "le", "+Inf");
                        w.Sample(f.Name + "_sum", s.Labels, s.Sum);
                        w.Sample(f.Name + "_count", s.Labels, s.Count);
                    }
                    else
                    {
                        w.Sample(f.Kind == "counter" ? f.Name + "_total" : f.Name, s.Labels, s.Value);
                    }
                }
            }
        }
        return w.ToString();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_lock)
        {
            if (!_families.TryGetValue(instrument, out var f)) return;
            var s = f.Get(tags);
            switch (f.Kind)
            {
                case "histogram":
                    int b = 0;
                    while (b < Buckets.Length && value > Buckets[b]) b++;
                    if (b < Buckets.Length) s.Counts[b]++;
                    s.Count++;
                    s.Sum += value;
                    break;
                case "counter" when !f.Observable:
                    s.Value += value; // Counter<T>.Add reports increments
                    break;
                default:
                    s.Value = value; // observable counters report the running total, gauges the current value
                    break;
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private sealed class Family
    {
        public Family(Instrument instrument)
        {
            Observable = instrument.IsObservable;
            Kind = instrument switch
            {
                Histogram<double> or Histogram<long> or Histogram<int> => "histogram",
                Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => "counter",
                _ => "gauge",
            };
            string name = PrometheusTextWriter.SanitizeName(instrument.Name, allowColon: true);
            string suffix = instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", "Cel" => "_celsius", _ => "" };
            if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal)) name += suffix;
            Name = name;
        }

        public string Name { get; }
        public string Kind { get; }
        public bool Observable { get; }
        public bool IsCounter => Kind == "counter";
        public Dictionary<string, Series> Series { get; } = new(StringComparer.Ordinal);

        public Series Get(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // The common cases (no tag, one string tag) look up without building a key string.
            string key = tags.Length switch
            {
                0 => "",
                1 when tags[0].Value is string v => v,
                _ => Key(tags),
            };
            if (Series.TryGetValue(key, out var s)) return s;
            var labels = new KeyValuePair<string, string>[tags.Length];
            for (int i = 0; i < tags.Length; i++) labels[i] = new(tags[i].Key, Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
            s = new Series(labels, Kind == "histogram" ? new long[Buckets.Length] : []);
            Series[key] = s;
            return s;
        }

        private static string Key(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var parts = new string[tags.Length];
            for (int i = 0; i < tags.Length; i++) parts[i] = tags[i].Key + "\u0001" + Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture);
            return string.Join('\u0002', parts);
        }
    }

    private sealed class Series(KeyValuePair<string, string>[] labels, long[] counts)
    {
        public KeyValuePair<string, string>[] Labels { get; } = labels;
        public long[] Counts { get; } = counts;
        public long Count { get; set; }
        public double Sum { get; set; }
        public double Value { get; set; }
    }
}
