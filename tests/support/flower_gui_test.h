// Widget tests: FLOWER_GUI_TEST_MAIN is FLOWER_TEST_MAIN with a QApplication (offscreen
// platform under ctest, a real window under Xvfb when QT_QPA_PLATFORM is xcb).
#pragma once

#include "tests/support/flower_test.h"

#ifndef FLOWER_TEST_QT
#error "widget tests need QtTest"
#endif

#include <QApplication>

#define FLOWER_GUI_TEST_MAIN(TestClass, ...)                                                \
    int main(int argc, char** argv) {                                                       \
        flower::test::prepare(argc, argv);                                                  \
        QApplication app(argc, argv);                                                       \
        TestClass tc;                                                                       \
        if (!flower::test::listedEqualsSlots(tc, #__VA_ARGS__)) {                           \
            return 1;                                                                       \
        }                                                                                   \
        return QTest::qExec(&tc, argc, argv);                                               \
    }
