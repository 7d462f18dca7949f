using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Application;

/// <summary>A client's mistake, named by field: a surface turns it into a 400 in its own shape.</summary>
public sealed class RequestValidationException(string field, string detail) : Exception(detail)
{
    public string Field { get; } = field;
}

/// <summary>Reads the fields of a JSON object, turning every client mistake into a <see cref="RequestValidationException"/>
/// naming the field.</summary>
public static class JsonFields
{
    public static string? String(JsonElement body, string name, int maxLength = 500)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new RequestValidationException(name, $"{name} must be a string");
        var s = v.GetString()!.Trim();
        if (s.Length == 0) throw new RequestValidationException(name, $"{name} must not be empty");
        if (s.Length > maxLength) throw new RequestValidationException(name, $"{name} must be at most {maxLength} characters");
        if (s.Any(char.IsControl)) throw new RequestValidationException(name, $"{name} must not contain control characters");
        return s;
    }

    public static string RequiredString(JsonElement body, string name, int maxLength = 500) =>
        String(body, name, maxLength) ?? throw new RequestValidationException(name, $"{name} is required");

    public static int? Int(JsonElement body, string name, int min, int max)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var i) || i < min || i > max)
            throw new RequestValidationException(name, $"{name} must be a whole number from {min} to {max}");
        return i;
    }

    public static bool? Bool(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new RequestValidationException(name, $"{name} must be true or false"),
        };
    }

    public static T? Enum<T>(JsonElement body, string name) where T : struct, System.Enum
    {
        var word = String(body, name, 50);
        if (word is null) return null;
        return StatusWords.ParseWord<T>(word)
            ?? throw new RequestValidationException(name, $"{name} must be one of {StatusWords.Words<T>()}");
    }
}
