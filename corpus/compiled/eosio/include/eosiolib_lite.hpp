// A small, freestanding subset of eosio.cdt / AntelopeIO cdt for building
// contracts with plain `clang --target=wasm32` (cdt itself is not packaged for
// Debian). The host imports are declared with the same C signatures as
// cdt's libraries/eosiolib/capi/eosio/*.h; the C++ helpers (name literals,
// asset, datastream, a multi_index-like table, inline actions) mirror the
// cdt API closely enough that contract code reads like ordinary cdt code.
#pragma once
#include <stddef.h>
#include <stdint.h>

#define EOSIO_IMPORT(n) __attribute__((import_module("env"), import_name(#n)))

extern "C" {
struct __attribute__((aligned(16))) capi_checksum256 { uint8_t hash[32]; };

// action.h
EOSIO_IMPORT(read_action_data) uint32_t read_action_data(void* msg, uint32_t len);
EOSIO_IMPORT(action_data_size) uint32_t action_data_size(void);
EOSIO_IMPORT(require_recipient) void require_recipient(uint64_t name);
EOSIO_IMPORT(require_auth) void require_auth(uint64_t name);
EOSIO_IMPORT(has_auth) bool has_auth(uint64_t name);
EOSIO_IMPORT(require_auth2) void require_auth2(uint64_t name, uint64_t permission);
EOSIO_IMPORT(is_account) bool is_account(uint64_t name);
EOSIO_IMPORT(send_inline) void send_inline(char* serialized_action, size_t size);
EOSIO_IMPORT(current_receiver) uint64_t current_receiver(void);
EOSIO_IMPORT(set_action_return_value) void set_action_return_value(void* return_value, size_t size);

// system.h
EOSIO_IMPORT(eosio_assert) void eosio_assert(uint32_t test, const char* msg);
EOSIO_IMPORT(eosio_assert_code) void eosio_assert_code(uint32_t test, uint64_t code);
EOSIO_IMPORT(eosio_exit) __attribute__((noreturn)) void eosio_exit(int32_t code);
EOSIO_IMPORT(current_time) uint64_t current_time(void);

// transaction.h
EOSIO_IMPORT(send_deferred) void send_deferred(const unsigned __int128* sender_id, uint64_t payer,
                                               const char* serialized_transaction, size_t size,
                                               uint32_t replace_existing);
EOSIO_IMPORT(cancel_deferred) int cancel_deferred(const unsigned __int128* sender_id);
EOSIO_IMPORT(tapos_block_num) int tapos_block_num(void);
EOSIO_IMPORT(tapos_block_prefix) int tapos_block_prefix(void);
EOSIO_IMPORT(expiration) uint32_t expiration(void);

// crypto.h
EOSIO_IMPORT(sha256) void sha256(const char* data, uint32_t length, struct capi_checksum256* hash);
EOSIO_IMPORT(assert_sha256) void assert_sha256(const char* data, uint32_t length,
                                               const struct capi_checksum256* hash);

// db.h
EOSIO_IMPORT(db_store_i64) int32_t db_store_i64(uint64_t scope, uint64_t table, uint64_t payer, uint64_t id,
                                                const void* data, uint32_t len);
EOSIO_IMPORT(db_update_i64) void db_update_i64(int32_t iterator, uint64_t payer, const void* data, uint32_t len);
EOSIO_IMPORT(db_remove_i64) void db_remove_i64(int32_t iterator);
EOSIO_IMPORT(db_get_i64) int32_t db_get_i64(int32_t iterator, const void* data, uint32_t len);
EOSIO_IMPORT(db_next_i64) int32_t db_next_i64(int32_t iterator, uint64_t* primary);
EOSIO_IMPORT(db_previous_i64) int32_t db_previous_i64(int32_t iterator, uint64_t* primary);
EOSIO_IMPORT(db_find_i64) int32_t db_find_i64(uint64_t code, uint64_t scope, uint64_t table, uint64_t id);
EOSIO_IMPORT(db_lowerbound_i64) int32_t db_lowerbound_i64(uint64_t code, uint64_t scope, uint64_t table, uint64_t id);
EOSIO_IMPORT(db_upperbound_i64) int32_t db_upperbound_i64(uint64_t code, uint64_t scope, uint64_t table, uint64_t id);
EOSIO_IMPORT(db_end_i64) int32_t db_end_i64(uint64_t code, uint64_t scope, uint64_t table);

// print.h
EOSIO_IMPORT(prints_l) void prints_l(const char* cstr, uint32_t len);
EOSIO_IMPORT(printn) void printn(uint64_t name);

// memory intrinsics provided by the chain
EOSIO_IMPORT(memcpy) void* memcpy(void* dest, const void* src, size_t n);
EOSIO_IMPORT(memmove) void* memmove(void* dest, const void* src, size_t n);
EOSIO_IMPORT(memset) void* memset(void* dest, int c, size_t n);
EOSIO_IMPORT(memcmp) int memcmp(const void* a, const void* b, size_t n);
}

namespace eosio {

// ---------------------------------------------------------------- name
constexpr uint64_t char_to_value(char c) {
   if (c == '.') return 0;
   if (c >= '1' && c <= '5') return (c - '1') + 1;
   if (c >= 'a' && c <= 'z') return (c - 'a') + 6;
   return 0;  // cdt rejects this at compile time
}

constexpr uint64_t string_to_name(const char* str, size_t len) {
   uint64_t value = 0;
   for (size_t i = 0; i <= 12; ++i) {
      uint64_t c = 0;
      if (i < len) c = char_to_value(str[i]);
      if (i < 12) {
         c &= 0x1f;
         c <<= 64 - 5 * (i + 1);
      } else {
         c &= 0x0f;
      }
      value |= c;
   }
   return value;
}

struct name {
   uint64_t value;
   name() = default;
   constexpr explicit name(uint64_t v) : value(v) {}
   constexpr bool operator==(const name& o) const { return value == o.value; }
   constexpr bool operator!=(const name& o) const { return value != o.value; }
   constexpr bool operator<(const name& o) const { return value < o.value; }
   constexpr explicit operator bool() const { return value != 0; }
};

namespace literals {
constexpr name operator""_n(const char* s, size_t len) { return name(string_to_name(s, len)); }
}  // namespace literals
using namespace literals;

inline void check(bool pred, const char* msg) {
   if (!pred) eosio_assert(0, msg);
}

// ---------------------------------------------------------------- symbol / asset
constexpr uint64_t make_symbol(uint8_t precision, const char* code, size_t len) {
   uint64_t v = 0;
   for (size_t i = 0; i < len; ++i) v |= uint64_t(uint8_t(code[i])) << (8 * (i + 1));
   return v | precision;
}
struct symbol {
   uint64_t value;
   symbol() = default;
   constexpr explicit symbol(uint64_t v) : value(v) {}
   constexpr uint8_t precision() const { return uint8_t(value & 0xff); }
   constexpr uint64_t code() const { return value >> 8; }
   constexpr bool operator==(const symbol& o) const { return value == o.value; }
   constexpr bool operator!=(const symbol& o) const { return value != o.value; }
};

struct asset {
   int64_t amount;
   symbol sym;
   static constexpr int64_t max_amount = (int64_t(1) << 62) - 1;
   bool is_amount_within_range() const { return -max_amount <= amount && amount <= max_amount; }
   bool is_valid() const { return is_amount_within_range() && sym.value != 0; }
};

// ---------------------------------------------------------------- datastream
struct datastream {
   char* start;
   char* pos;
   char* end;
   datastream(char* b, size_t n) : start(b), pos(b), end(b + n) {}
   size_t tellp() const { return size_t(pos - start); }
   void read(void* d, size_t n) {
      check(size_t(end - pos) >= n, "read");
      memcpy(d, pos, n);
      pos += n;
   }
   void write(const void* d, size_t n) {
      check(size_t(end - pos) >= n, "write");
      memcpy(pos, d, n);
      pos += n;
   }
};

inline void pack_varuint32(datastream& ds, uint32_t v) {
   do {
      uint8_t b = uint8_t(v & 0x7f);
      v >>= 7;
      b |= uint8_t((v > 0) << 7);
      ds.write(&b, 1);
   } while (v);
}
inline uint32_t unpack_varuint32(datastream& ds) {
   uint32_t v = 0;
   uint8_t by = 0;
   uint8_t shift = 0;
   do {
      ds.read(&by, 1);
      v |= uint32_t(by & 0x7f) << shift;
      shift += 7;
   } while ((by & 0x80) && shift < 35);
   return v;
}

template <typename T> inline void pack(datastream& ds, const T& v) { ds.write(&v, sizeof(T)); }
template <typename T> inline void unpack(datastream& ds, T& v) { ds.read(&v, sizeof(T)); }

// A bounded string view over action data (memo fields).
struct string_ref {
   const char* data;
   uint32_t size;
};
inline void unpack(datastream& ds, string_ref& s) {
   s.size = unpack_varuint32(ds);
   check(size_t(ds.end - ds.pos) >= s.size, "read");
   s.data = ds.pos;
   ds.pos += s.size;
}
inline void pack(datastream& ds, const string_ref& s) {
   pack_varuint32(ds, s.size);
   ds.write(s.data, s.size);
}

// ---------------------------------------------------------------- action data
// Reads the current action's data into a buffer owned by the dispatcher,
// like cdt's execute_action (alloca below 512 bytes).
struct action_reader {
   char buf[512];
   datastream ds;
   action_reader() : ds(buf, 0) {
      uint32_t size = action_data_size();
      check(size <= sizeof(buf), "action data too large");
      read_action_data(buf, size);
      ds = datastream(buf, size);
   }
};

// ---------------------------------------------------------------- inline actions
struct permission_level {
   name actor;
   name permission;
};

// Serializes {account, name, [auth], data} and hands it to send_inline.
struct action_builder {
   char buf[512];
   datastream ds;
   action_builder(permission_level auth, name account, name act) : ds(buf, sizeof(buf)) {
      pack(ds, account.value);
      pack(ds, act.value);
      pack_varuint32(ds, 1);
      pack(ds, auth.actor.value);
      pack(ds, auth.permission.value);
   }
   // data is packed into a scratch stream and copied in send() with its length prefix
   char data[400];
   datastream payload{data, sizeof(data)};
   void send() {
      pack_varuint32(ds, uint32_t(payload.tellp()));
      ds.write(data, payload.tellp());
      send_inline(buf, ds.tellp());
   }
};

inline void token_transfer(name token_contract, name from, name to, const asset& quantity, const char* memo,
                           uint32_t memo_len) {
   action_builder a({from, name(string_to_name("active", 6))}, token_contract,
                    name(string_to_name("transfer", 8)));
   pack(a.payload, from.value);
   pack(a.payload, to.value);
   pack(a.payload, quantity.amount);
   pack(a.payload, quantity.sym.value);
   pack(a.payload, string_ref{memo, memo_len});
   a.send();
}

// ---------------------------------------------------------------- tables
// Rows are packed structs whose in-memory layout equals their ABI
// serialization (all fixed-size fields), the same bytes multi_index writes.
template <uint64_t TableName, typename T>
class multi_index {
 public:
   multi_index(name code, uint64_t scope) : _code(code), _scope(scope) {}

   int32_t find(uint64_t pk) const { return db_find_i64(_code.value, _scope, TableName, pk); }
   int32_t end() const { return db_end_i64(_code.value, _scope, TableName); }
   int32_t begin() const { return db_lowerbound_i64(_code.value, _scope, TableName, 0); }
   int32_t lower_bound(uint64_t pk) const { return db_lowerbound_i64(_code.value, _scope, TableName, pk); }
   int32_t next(int32_t itr, uint64_t* pk) const { return db_next_i64(itr, pk); }

   T get(int32_t itr, const char* msg) const {
      check(itr >= 0, msg);
      T row;
      int32_t sz = db_get_i64(itr, &row, sizeof(T));
      check(sz == int32_t(sizeof(T)), "row size mismatch");
      return row;
   }
   T get_by_key(uint64_t pk, const char* msg) const { return get(find(pk), msg); }

   void emplace(name payer, const T& row) {
      db_store_i64(_scope, TableName, payer.value, row.primary_key(), &row, sizeof(T));
   }
   void modify(int32_t itr, name payer, const T& row) { db_update_i64(itr, payer.value, &row, sizeof(T)); }
   void erase(int32_t itr) { db_remove_i64(itr); }

 private:
   name _code;
   uint64_t _scope;
};

// cdt's singleton: one row whose primary key is the table name.
template <uint64_t TableName, typename T>
class singleton {
 public:
   singleton(name code, uint64_t scope) : _t(code, scope), _scope(scope) {}
   bool exists() const { return _t.find(TableName) >= 0; }
   T get() const { return _t.get(_t.find(TableName), "singleton does not exist"); }
   T get_or_default(const T& def = T{}) const {
      int32_t itr = _t.find(TableName);
      return itr >= 0 ? _t.get(itr, "") : def;
   }
   void set(const T& value, name payer) {
      int32_t itr = _t.find(TableName);
      if (itr >= 0)
         _t.modify(itr, payer, value);
      else
         db_store_i64(_scope, TableName, payer.value, TableName, &value, sizeof(T));
   }

 private:
   multi_index<TableName, T> _t;
   uint64_t _scope;
};

// ---------------------------------------------------------------- contract base
class contract {
 public:
   contract(name self, name first_receiver) : _self(self), _first_receiver(first_receiver) {}
   name get_self() const { return _self; }
   name get_first_receiver() const { return _first_receiver; }

 protected:
   name _self;
   name _first_receiver;
};

}  // namespace eosio

#define EOS_SYMBOL eosio::symbol(eosio::make_symbol(4, "EOS", 3))
