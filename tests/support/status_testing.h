// CUTOVER_ASSERT_OK_AND_ASSIGN(lhs, expr): evaluates `expr`, an
// absl::StatusOr<T>; if it holds an error, fails the test with that status and
// returns from the enclosing function, else moves the value into `lhs`
// (`auto x`, `T x` or an existing variable).
//
// Why: EXPECT_TRUE(x.ok()) followed by *x or x-> crashes the whole test binary
// on an error instead of reporting it. Helpers that create something return
// the StatusOr, and the test (a void function, where ASSERT_* compiles)
// unwraps it with this macro.
#ifndef CUTOVER_TESTS_SUPPORT_STATUS_TESTING_H_
#define CUTOVER_TESTS_SUPPORT_STATUS_TESTING_H_

#include <utility>

#include "gtest/gtest.h"

#define CUTOVER_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  CUTOVER_ASSERT_OK_AND_ASSIGN_IMPL_(           \
      CUTOVER_STATUS_TESTING_CONCAT_(cutover_statusor_, __LINE__), lhs, expr)

#define CUTOVER_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                       \
  ASSERT_TRUE(statusor.ok()) << statusor.status();              \
  lhs = *std::move(statusor)

#define CUTOVER_STATUS_TESTING_CONCAT_(a, b) \
  CUTOVER_STATUS_TESTING_CONCAT_INNER_(a, b)
#define CUTOVER_STATUS_TESTING_CONCAT_INNER_(a, b) a##b

#endif  // CUTOVER_TESTS_SUPPORT_STATUS_TESTING_H_
