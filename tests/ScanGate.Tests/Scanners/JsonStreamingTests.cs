using System.Text;
using System.Text.Json;
using ScanGate.Scanners;

namespace ScanGate.Tests.Scanners;

public sealed class JsonStreamingTests
{
    /// <summary>A stream that hands out a few bytes per read, so every value is cut at every possible place.</summary>
    private sealed class Trickle(byte[] data, int step) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(step, buffer.Length)], cancellationToken);
    }

    private static async Task<(List<JsonMatch> Items, FindingContext Context)> Walk(string json, string[] path, string[]? capture = null, int step = 3)
    {
        var context = new FindingContext("scn_test", "test");
        var items = new List<JsonMatch>();
        await foreach (var m in JsonStreaming.ElementsAtAsync(new Trickle(Encoding.UTF8.GetBytes(json), step), path, context, capture))
            items.Add(m);
        return (items, context);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public async Task Yields_nested_elements_with_the_values_captured_above_them(int step)
    {
        const string json = """
            {"SchemaVersion":2,"Metadata":{"big":[1,2,3,{"x":"y"}]},"Results":[
              {"Target":"alpine:3.19 (alpine 3.19.1)","Class":"os-pkgs","Vulnerabilities":[{"VulnerabilityID":"CVE-1"},{"VulnerabilityID":"CVE-2"}]},
              {"Target":"app/package-lock.json","Vulnerabilities":[{"VulnerabilityID":"CVE-3","Nested":{"a":[{"b":"c \" ] }"}]}}]},
              {"Target":"empty"}
            ]}
            """;
        var (items, context) = await Walk(json, ["Results", "[]", "Vulnerabilities", "[]"], ["Target", "Class"], step);

        Assert.Equal(["CVE-1", "CVE-2", "CVE-3"], items.Select(i => i.Item.GetProperty("VulnerabilityID").GetString()));
        Assert.Equal("alpine:3.19 (alpine 3.19.1)", items[0].Str("Target"));
        Assert.Equal("os-pkgs", items[1].Str("Class"));
        Assert.Equal("app/package-lock.json", items[2].Str("Target"));
        Assert.Null(items[2].Str("Class")); // captures end with the object they belong to
        Assert.Equal("c \" ] }", items[2].Item.GetProperty("Nested").GetProperty("a")[0].GetProperty("b").GetString());
        Assert.Empty(context.Warnings);
    }

    [Fact]
    public async Task A_root_array_of_documents_is_walked_document_by_document()
    {
        var (items, _) = await Walk("""[{"check_type":"terraform","results":{"failed_checks":[{"id":1},{"id":2}]}},{"check_type":"k8s","results":{"failed_checks":[{"id":3}]}}]""",
            ["results", "failed_checks", "[]"], ["check_type"]);
        Assert.Equal([1, 2, 3], items.Select(i => i.Item.GetProperty("id").GetInt32()));
        Assert.Equal("k8s", items[2].Str("check_type"));
    }

    [Fact]
    public async Task A_report_cut_short_yields_what_is_complete_and_says_so()
    {
        var (items, context) = await Walk("""{"results":[{"id":1},{"id":2},{"id":""", ["results", "[]"]);
        Assert.Equal(2, items.Count);
        Assert.NotEmpty(context.Warnings);
    }

    [Fact]
    public async Task Memory_stays_bounded_by_the_largest_element_not_the_report()
    {
        // About 40 MB of results; each element is small.
        var element = "{\"id\":\"" + new string('x', 200) + "\"},";
        var count = 40 * 1024 * 1024 / element.Length;
        var stream = new GeneratedReport("{\"results\":[", element, count, "{\"id\":\"last\"}]}");
        var context = new FindingContext("scn_test", "test");
        long seen = 0;
        var peak = 0L;
        // Live memory is the whole test process's: what other test classes left alive (a host, a cluster) is the baseline.
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        await foreach (var _ in JsonStreaming.ElementsAtAsync(stream, ["results", "[]"], context))
        {
            seen++;
            if (seen % 40_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true)); // what is live, not garbage
        }
        Assert.Equal(count + 1, seen);
        Assert.True(peak - baseline < 16L * 1024 * 1024, $"live managed memory grew by {(peak - baseline) / (1024 * 1024)} MiB while walking a 40 MB report");
    }

    /// <summary>A report generated as it is read: prefix, the element repeated, suffix.</summary>
    private sealed class GeneratedReport(string prefix, string element, int count, string suffix) : Stream
    {
        private readonly byte[] _prefix = Encoding.UTF8.GetBytes(prefix), _element = Encoding.UTF8.GetBytes(element), _suffix = Encoding.UTF8.GetBytes(suffix);
        private long _position;
        private long Total => _prefix.Length + (long)_element.Length * count + _suffix.Length;
        public override int Read(byte[] buffer, int offset, int length)
        {
            var n = 0;
            while (n < length && _position < Total)
            {
                buffer[offset + n++] = ByteAt(_position++);
            }
            return n;
        }
        private byte ByteAt(long p)
        {
            if (p < _prefix.Length) return _prefix[p];
            p -= _prefix.Length;
            if (p < (long)_element.Length * count) return _element[p % _element.Length];
            return _suffix[p - (long)_element.Length * count];
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => Total;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
