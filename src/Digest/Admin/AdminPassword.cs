using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Digest.Admin;

/// <summary>
/// The console password as configuration keeps it: PBKDF2-HMAC-SHA256 (OWASP's 2023 advice: 600,000
/// iterations), a random 16-byte salt, written <c>pbkdf2-sha256$600000$salt$key</c> in base64. Slow
/// on purpose, so a leaked configuration file does not give the password away; compared in constant
/// time, so the answer's timing does not either.
/// </summary>
internal sealed record AdminPassword(int Iterations, byte[] Salt, byte[] Key)
{
    public const string Scheme = "pbkdf2-sha256";
    public const int DefaultIterations = 600_000;
    const int SaltBytes = 16;
    const int KeyBytes = 32;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var key = Derive(password, salt, iterations);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}");
    }

    public bool Matches(string password) => CryptographicOperations.FixedTimeEquals(Derive(password, Salt, Iterations), Key);

    public static bool TryParse(string text, [NotNullWhen(true)] out AdminPassword? password)
    {
        password = null;
        var parts = text.Trim().Split('$');
        if (parts is not [Scheme, var count, var salt, var key]
            || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 100_000)
            return false;
        try
        {
            password = new AdminPassword(iterations, Convert.FromBase64String(salt), Convert.FromBase64String(key));
        }
        catch (FormatException)
        {
            return false;
        }
        return password.Salt.Length >= SaltBytes && password.Key.Length == KeyBytes;
    }

    static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeyBytes);
}
