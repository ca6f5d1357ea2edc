// A small RAII wrapper over the SQLite C API: one connection (Database) and its prepared
// statements (Statement). Only prepared statements with bound parameters: SQL text never
// contains user strings. Used by RunStore and RunWriter; nothing else in core talks to SQLite.
//
// Ownership: Database owns the sqlite3 handle; Statements borrow it and must not outlive it.
// Failure: every SQLite error throws flower::Error naming the database file and the SQLite
// message ("runs.sqlite: database is locked (while: INSERT INTO scalars ...)").
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace flower::store {

class Statement;

class Database {
public:
    enum class Mode { ReadWriteCreate, ReadWrite, ReadOnly };

    // Opens (or creates) the file; sets busy_timeout so that a reader or a second writer waits
    // for a lock instead of failing with "database is locked".
    Database(const std::filesystem::path& file, Mode mode, int busyTimeoutMs = 10000);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;

    // Runs SQL without parameters (schema, PRAGMAs, BEGIN/COMMIT). Never pass user text here.
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    // The single value of a one-row, one-column query without parameters (PRAGMAs).
    std::string queryText(std::string_view sql);

    const std::filesystem::path& file() const { return file_; }
    sqlite3* handle() const { return db_; }
    // Throws flower::Error with the connection's last message when rc is not OK/ROW/DONE.
    void check(int rc, std::string_view context) const;

private:
    sqlite3* db_ = nullptr;
    std::filesystem::path file_;
};

// A prepared statement; bind (1-based like SQLite), step, read columns, reset to reuse.
class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bindNull(int index);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bindNull(index);
    }

    // True while a row is available; false when the statement is done.
    bool step();
    // step() that must finish without a row (INSERT/UPDATE/DELETE); then reset() for reuse.
    void run();
    void reset();  // also clears bindings

    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    bool isNull(int column) const;
    std::optional<std::string> optText(int column) const;
    std::optional<double> optReal(int column) const;
    std::optional<std::int64_t> optInt64(int column) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
    Database* db_ = nullptr;
};

// BEGIN IMMEDIATE … COMMIT; rolls back in the destructor unless commit() was called. IMMEDIATE
// takes the write lock up front, so two writers wait on busy_timeout instead of deadlocking.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace flower::store
