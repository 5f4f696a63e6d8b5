#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP dates (RFC 9110 §5.6.7), as Django's `http_date` and `parse_http_date`.
///
/// Formatting writes the IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`. Parsing
/// accepts it and the two obsolete forms RFC 9110 §5.6.7 tells recipients to
/// accept, RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`, two-digit years placed as
/// the RFC and Django do: more than 50 years ahead means the previous century)
/// and asctime (`Sun Nov  6 08:49:37 1994`), each exactly as its grammar spells
/// it, single spaces between parts (asctime pads a one-digit day with a second
/// space), as Django's regexes require: `Thu, 18  Aug  2050 ...`, a two-digit
/// year in the IMF form, a missing comma, `UTC` or a one-digit hour are `nil`,
/// and so is an impossible date such as 32 October. Day names, months and `GMT`
/// are matched without regard to case (§5.6.7 asks recipients to be robust;
/// Django lower-cases months too). Callers treat `nil` as absent or, for
/// `Expires`, as already expired. Hand-written rather than a `DateFormatter`:
/// it runs on every conditional request and every cached response.
public enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let longWeekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The IMF-fixdate of `seconds` since 1970 (fractions are dropped).
    public static func format(_ seconds: Double) -> String {
        let whole = Int64(seconds.rounded(.down))
        let days = floorDiv(whole, 86_400)
        let secondOfDay = Int(whole - days * 86_400)
        let (year, month, day) = civil(fromDays: days)
        let weekday = Int((days % 7 + 11) % 7)  // 1970-01-01 was a Thursday.
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        // Four digits at least, as Python's `formatdate` writes `%04d`: year 63 is
        // `0063`, which parses back (a bare `63` would not).
        let yearText = year >= 0 && year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(weekdays[weekday]), \(two(day)) \(months[month - 1]) \(yearText) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }

    /// The seconds since 1970 of an HTTP date in any of the three forms, or `nil`.
    public static func parse(_ text: some StringProtocol) -> Double? {
        parse(text, now: currentYear())
    }

    /// `parse` with the current year given, for the RFC 850 century rule.
    static func parse(_ text: some StringProtocol, now year: Int) -> Double? {
        let text = Substring(text)
        // Single spaces only: an empty part means two spaces in a row (or a
        // leading or trailing one), which only asctime's padded day allows.
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        if parts.count == 6, parts[0].hasSuffix(","), isGMT(parts[5]), named(parts[0].dropLast(), in: weekdays) {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            guard let day = number(parts[1], digits: 2...2), let month = month(parts[2]),
                  let year = number(parts[3], digits: 4...4) else { return nil }
            return seconds(year: year, month: month, day: day, time: parts[4])
        }
        if parts.count == 4, parts[0].hasSuffix(","), isGMT(parts[3]), named(parts[0].dropLast(), in: longWeekdays) {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let date = parts[1].split(separator: "-", omittingEmptySubsequences: false)
            guard date.count == 3, let day = number(date[0], digits: 2...2), let month = month(date[1]),
                  let twoDigits = number(date[2], digits: 2...2) else { return nil }
            var fullYear = year / 100 * 100 + twoDigits
            if fullYear - year > 50 { fullYear -= 100 }
            return seconds(year: fullYear, month: month, day: day, time: parts[2])
        }
        if parts.count == 5 || parts.count == 6, named(parts[0], in: weekdays) {
            // asctime: Sun Nov  6 08:49:37 1994 (a one-digit day is padded with a space).
            let padded = parts.count == 6
            let dayText = padded ? parts[3] : parts[2]
            if padded, !parts[2].isEmpty { return nil }
            guard let month = month(parts[1]), let day = number(dayText, digits: padded ? 1...1 : 2...2),
                  let year = number(parts[parts.count - 1], digits: 4...4) else { return nil }
            return seconds(year: year, month: month, day: day, time: parts[parts.count - 2])
        }
        return nil
    }

    private static func isGMT(_ text: Substring) -> Bool {
        sameLetters(text, "GMT")
    }

    private static func named(_ text: Substring, in names: [String]) -> Bool {
        names.contains { sameLetters(text, $0) }
    }

    /// ASCII comparison without regard to case, without building new strings.
    private static func sameLetters(_ text: Substring, _ name: String) -> Bool {
        guard text.utf8.count == name.utf8.count else { return false }
        return zip(text.utf8, name.utf8).allSatisfy { $0 | 0x20 == $1 | 0x20 && ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }
    }

    private static func seconds(year: Int, month: Int, day: Int, time: Substring) -> Double? {
        let clock = time.split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let hour = number(clock[0], digits: 2...2), let minute = number(clock[1], digits: 2...2),
              let second = number(clock[2], digits: 2...2), hour < 24, minute < 60, second < 60 else { return nil }
        guard day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let days = days(year: year, month: month, day: day)
        return Double(days * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }

    private static func number(_ text: Substring, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.utf8.count) else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func month(_ text: Substring) -> Int? {
        months.firstIndex { sameLetters(text, $0) }.map { $0 + 1 }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    private static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    private static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func currentYear() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return civil(fromDays: floorDiv(Int64(now.tv_sec), 86_400)).year
    }
}
