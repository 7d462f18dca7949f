using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ScanGate.Scanners;

/// <summary>One element found at a path in a JSON report, with the values captured on the way to it. Consecutive
/// elements under the same captured values share one <see cref="Captured"/> instance, so a reader can keep what it
/// derived from them (an index of a SARIF run's rules) while the instance stays the same.</summary>
public sealed record JsonMatch(JsonElement Item, IReadOnlyDictionary<string, JsonElement> Captured)
{
    public JsonElement? Get(string name) => Captured.TryGetValue(name, out var v) ? v : null;
    public string? Str(string name) => Captured.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// Walks a JSON report as it streams in and yields the elements at a path, so a report of any size is read
/// with memory bounded by its largest element, never the whole. A path is property names and "[]" for "each
/// element of this array": <c>["Results", "[]", "Vulnerabilities", "[]"]</c> yields every vulnerability of
/// every result. Properties named in <c>capture</c> that come before the way down (a result's "Target") are
/// handed over with each element below them. A root that is an array of documents, where the path starts
/// with a property, is walked document by document.
/// </summary>
public static class JsonStreaming
{
    private const string Each = "[]";

    public static async IAsyncEnumerable<JsonMatch> ElementsAtAsync(Stream stream, IReadOnlyList<string> path, FindingContext context,
        IReadOnlyCollection<string>? capture = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var walker = new Walker(path, capture ?? []);
        var buffer = new byte[64 * 1024];
        var length = 0;
        var final = false;
        var state = new JsonReaderState();
        var found = new List<JsonMatch>();
        while (true)
        {
            if (!final && length < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) final = true;
                length += read;
            }
            var consumed = 0;
            JsonException? malformed = null;
            try
            {
                consumed = walker.Walk(buffer.AsSpan(0, length), final, ref state, found);
            }
            catch (JsonException ex) { malformed = ex; }
            foreach (var m in found) yield return m;
            if (malformed is not null)
            {
                context.Warn($"report is incomplete or malformed after the last complete entry: {malformed.Message}");
                yield break;
            }
            found.Clear();
            if (walker.Done) yield break;
            if (final)
            {
                if (consumed < length || !walker.Done) context.Warn("report ended before its end: it is incomplete");
                yield break;
            }
            if (consumed == 0 && length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // one value larger than the buffer
            else
            {
                Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
                length -= consumed;
            }
        }
    }

    private sealed class Walker(IReadOnlyList<string> path, IReadOnlyCollection<string> capture)
    {
        private enum Kind { RootList, Object, Array }
        private sealed record Frame(Kind Kind, int Next)
        {
            public List<string> Captured { get; } = [];
        }

        private readonly Stack<Frame> _frames = new();
        private readonly Dictionary<string, JsonElement> _captured = new(StringComparer.Ordinal);
        private IReadOnlyDictionary<string, JsonElement>? _snapshot; // handed to matches until a capture changes
        private bool _started;
        public bool Done { get; private set; }

        /// <summary>Consumes what it can of <paramref name="data"/>; returns how many bytes are done with. A value
        /// that is not complete yet is left for the next call, from its start.</summary>
        public int Walk(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, List<JsonMatch> found)
        {
            var reader = new Utf8JsonReader(data, final, state);
            var done = 0;
            while (!Done)
            {
                var before = reader;
                if (!reader.Read()) break;
                if (!Step(ref reader, found)) { reader = before; break; }
                done = (int)reader.BytesConsumed;
                state = reader.CurrentState;
            }
            return done;
        }

        /// <summary>Handles the token just read; false when a value it must take whole is not all here yet.</summary>
        private bool Step(ref Utf8JsonReader reader, List<JsonMatch> found)
        {
            var token = reader.TokenType;
            if (!_started)
            {
                _started = true;
                if (token == JsonTokenType.StartArray && (path.Count == 0 || path[0] != Each)) _frames.Push(new Frame(Kind.RootList, 0));
                else if (token == JsonTokenType.StartArray) _frames.Push(new Frame(Kind.Array, 0));
                else if (token == JsonTokenType.StartObject) _frames.Push(new Frame(Kind.Object, 0));
                else Done = true;
                return true;
            }
            if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                var frame = _frames.Pop();
                foreach (var name in frame.Captured) _captured.Remove(name);
                if (frame.Captured.Count > 0) _snapshot = null;
                if (_frames.Count == 0) Done = true;
                return true;
            }
            var top = _frames.Peek();
            switch (top.Kind)
            {
                case Kind.RootList:
                    if (token == JsonTokenType.StartObject) { _frames.Push(new Frame(Kind.Object, 0)); return true; }
                    return reader.TrySkip();
                case Kind.Array:
                    return Element(ref reader, top.Next + 1, found);
                default:
                    if (token == JsonTokenType.PropertyName)
                    {
                        // The name and its value are taken together, so a value that is cut off is re-read with its name.
                        var name = reader.GetString()!;
                        if (!reader.Read()) return false;
                        if (top.Next < path.Count && path[top.Next] == name) return Element(ref reader, top.Next + 1, found);
                        if (capture.Contains(name))
                        {
                            var probe = reader;
                            if (!probe.TrySkip()) return false;
                            using var doc = JsonDocument.ParseValue(ref reader);
                            _captured[name] = doc.RootElement.Clone();
                            top.Captured.Add(name);
                            _snapshot = null;
                            return true;
                        }
                        return reader.TrySkip();
                    }
                    return reader.TrySkip();
            }
        }

        /// <summary>A value on the path: an item when the path ends here, otherwise a container to walk into.</summary>
        private bool Element(ref Utf8JsonReader reader, int next, List<JsonMatch> found)
        {
            if (next >= path.Count)
            {
                var probe = reader;
                if (!probe.TrySkip()) return false;
                using var doc = JsonDocument.ParseValue(ref reader);
                found.Add(new JsonMatch(doc.RootElement.Clone(), _snapshot ??= new Dictionary<string, JsonElement>(_captured)));
                return true;
            }
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray when path[next] == Each: _frames.Push(new Frame(Kind.Array, next)); return true;
                case JsonTokenType.StartObject when path[next] != Each: _frames.Push(new Frame(Kind.Object, next)); return true;
                default: return reader.TrySkip(); // not the shape the path expects: nothing below it
            }
        }
    }
}
