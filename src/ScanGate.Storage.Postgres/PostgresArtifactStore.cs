using System.Data;
using Npgsql;
using NpgsqlTypes;
using ScanGate.Contracts;

namespace ScanGate.Storage.Postgres;

/// <summary>
/// Artifacts in PostgreSQL (deploy/sql/003_artifacts.sql): one row per (scan, name), content as bytea. The
/// content goes in as a streamed parameter and comes out through a sequential-access reader's column stream,
/// so neither direction holds an artifact whole in memory. Size and SHA-256 are computed by the server from
/// the bytes it stored.
/// </summary>
public sealed class PostgresArtifactStore(NpgsqlDataSource dataSource, TimeProvider? clock = null) : IArtifactStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<ArtifactInfo> PutAsync(string scanId, ArtifactDescriptor artifact, Stream content, CancellationToken cancellationToken = default)
    {
        ArtifactNames.Validate(artifact.Name);
        // Npgsql streams a bytea parameter only from a stream that can seek (it sends the length first) and
        // buffers any other in memory, so such a stream goes to a temporary file first.
        await using var spool = content.CanSeek ? null : await TempSpool.CopyAsync(content, cancellationToken);
        var createdAt = ArtifactNames.Now(_clock);
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO artifacts (scan_id, name, type, media_type, size, sha256, created_at, content)
            VALUES (@scan, @name, @type, @media, octet_length(@content), encode(sha256(@content), 'hex'), @at, @content)
            ON CONFLICT (scan_id, name) DO UPDATE SET type = excluded.type, media_type = excluded.media_type, size = excluded.size,
                sha256 = excluded.sha256, created_at = excluded.created_at, content = excluded.content
            RETURNING size, sha256
            """, conn);
        cmd.Parameters.AddWithValue("scan", scanId);
        cmd.Parameters.AddWithValue("name", artifact.Name);
        cmd.Parameters.AddWithValue("type", artifact.Type.Word());
        cmd.Parameters.AddWithValue("media", artifact.MediaType);
        cmd.Parameters.AddWithValue("at", createdAt);
        cmd.Parameters.Add(new NpgsqlParameter("content", NpgsqlDbType.Bytea) { Value = (Stream?)spool ?? content });
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ArtifactInfo
        {
            ScanId = scanId, Name = artifact.Name, Type = artifact.Type, MediaType = artifact.MediaType,
            Size = reader.GetInt64(0), Sha256 = reader.GetString(1), CreatedAt = createdAt,
        };
    }

    public async Task<IReadOnlyList<ArtifactInfo>> ListAsync(string scanId, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            $"SELECT {MetadataColumns} FROM artifacts WHERE scan_id = @scan ORDER BY name", conn);
        cmd.Parameters.AddWithValue("scan", scanId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<ArtifactInfo>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(ReadInfo(reader, scanId));
        return list;
    }

    public async Task<ArtifactContent?> OpenAsync(string scanId, string name, CancellationToken cancellationToken = default)
    {
        // The connection, command and reader live as long as the content stream: its view disposes them.
        var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        NpgsqlCommand? cmd = null;
        NpgsqlDataReader? reader = null;
        try
        {
            cmd = new NpgsqlCommand($"SELECT {MetadataColumns}, content FROM artifacts WHERE scan_id = @scan AND name = @name", conn);
            cmd.Parameters.AddWithValue("scan", scanId);
            cmd.Parameters.AddWithValue("name", name);
            // Sequential access: columns are read in order and the content is streamed off the wire, not buffered.
            reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                await DisposeAllAsync(reader, cmd, conn);
                return null;
            }
            var info = ReadInfo(reader, scanId);
            var content = reader.GetStream(MetadataColumnCount);
            return new ArtifactContent(info, new ReadView(content, content, reader, cmd, conn));
        }
        catch
        {
            await DisposeAllAsync(reader, cmd, conn);
            throw;
        }
    }

    public async Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("DELETE FROM artifacts WHERE scan_id = @scan", conn);
        cmd.Parameters.AddWithValue("scan", scanId);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string MetadataColumns = "name, type, media_type, size, sha256, created_at";
    private const int MetadataColumnCount = 6;

    /// <summary>The metadata columns, each read once and in order (a sequential-access reader allows no other way).</summary>
    private static ArtifactInfo ReadInfo(NpgsqlDataReader reader, string scanId)
    {
        var name = reader.GetString(0);
        var type = reader.GetString(1);
        return new ArtifactInfo
        {
            ScanId = scanId,
            Name = name,
            Type = StatusWords.ParseWord<ArtifactType>(type) ?? throw new InvalidOperationException($"artifact type '{type}' is unknown to this build"),
            MediaType = reader.GetString(2),
            Size = reader.GetInt64(3),
            Sha256 = reader.GetString(4),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
        };
    }

    private static async Task DisposeAllAsync(params IAsyncDisposable?[] resources)
    {
        foreach (var r in resources)
            if (r is not null) await r.DisposeAsync();
    }
}
