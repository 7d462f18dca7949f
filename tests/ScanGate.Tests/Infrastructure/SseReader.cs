namespace ScanGate.Tests.Infrastructure;

public sealed record SseMessage(string? Event, string Data, string? Id);

/// <summary>A plain Server-Sent Events reader, written from the format's rules so it checks what we send.</summary>
public static class SseReader
{
    public static async IAsyncEnumerable<SseMessage> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream);
        string? evt = null, id = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0 || evt is not null) yield return new SseMessage(evt, string.Join('\n', data), id);
                evt = null; id = null; data.Clear();
                continue;
            }
            if (line.StartsWith(':')) continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event": evt = value; break;
                case "data": data.Add(value); break;
                case "id": id = value; break;
            }
        }
    }
}
