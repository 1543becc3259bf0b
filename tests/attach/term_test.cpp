// The attach C node's term model (round trips through ei) and its node
// name parsing: no node needed.
#include <gtest/gtest.h>

#include <ei.h>

#include "attach/node_link.hpp"
#include "attach/term.hpp"

namespace ba = beamscope::cli::attach;
using ba::Term;

namespace {

Term round_trip(const Term& t) {
  ei_x_buff x;
  ei_x_new(&x);
  EXPECT_TRUE(ba::encode(t, x));
  Term out;
  int index = 0;
  EXPECT_TRUE(ba::decode(x.buff, &index, out));
  EXPECT_EQ(index, x.index);
  ei_x_free(&x);
  return out;
}

}  // namespace

TEST(AttachTerm, NestedRoundTrip) {
  const Term t = Term::tuple({Term::atom("module"), Term::list({Term::integer_of(-5), Term::integer_of(1LL << 40)}),
                              Term::bin(std::string("a\0b", 3)), Term::str("ebin/x.beam"), Term::list({})});
  const Term back = round_trip(t);
  ASSERT_TRUE(back.is_tagged("module", 5));
  EXPECT_EQ(back.items[1].items[0].integer, -5);
  EXPECT_EQ(back.items[1].items[1].integer, 1LL << 40);
  EXPECT_EQ(back.items[2].text, std::string("a\0b", 3));
  std::string s;
  ASSERT_TRUE(back.items[3].as_text(s));
  EXPECT_EQ(s, "ebin/x.beam");
  EXPECT_TRUE(back.items[4].elements().empty());
  EXPECT_EQ(ba::to_text(back.items[0]), "module");
}

TEST(AttachTerm, TextOfRepliesForMessages) {
  const Term t = Term::tuple({Term::atom("error"), Term::tuple({Term::atom("bad_config"), Term::str("x")})});
  EXPECT_EQ(ba::to_text(t), "{error,{bad_config,\"x\"}}");
  EXPECT_EQ(ba::to_text(Term::list({Term::integer_of(1), Term::integer_of(2)})), "[1,2]");
}

TEST(AttachTerm, NodeNames) {
  auto full = ba::parse_node_name("shop@db1.example.com");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->full(), "shop@db1.example.com");
  EXPECT_TRUE(full->long_name());
  auto bare = ba::parse_node_name("shop");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->host, ba::local_short_host());
  EXPECT_FALSE(ba::parse_node_name("bad name@host"));
  EXPECT_FALSE(ba::parse_node_name("@host"));
  EXPECT_FALSE(ba::parse_node_name("a.b@host"));
}

TEST(AttachTerm, CookieSources) {
  std::string error;
  EXPECT_EQ(ba::resolve_cookie("abc", "", error), "abc");
  EXPECT_EQ(ba::resolve_cookie("", "/nonexistent/cookie", error), "");
  EXPECT_NE(error.find("/nonexistent/cookie"), std::string::npos);
}
