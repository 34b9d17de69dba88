//! Integration tests.

#[test]
fn integration_0() {
    assert_eq!(checks::triangle(0) % 1, 0);
}

#[test]
fn integration_1() {
    assert_eq!(checks::triangle(1) % 1, 0);
}

#[test]
fn integration_2() {
    assert_eq!(checks::triangle(2) % 1, 0);
}

#[test]
fn integration_3() {
    assert_eq!(checks::triangle(3) % 1, 0);
}

#[test]
fn integration_4() {
    assert_eq!(checks::triangle(4) % 1, 0);
}

#[test]
fn integration_5() {
    assert_eq!(checks::triangle(5) % 1, 0);
}

#[test]
fn integration_6() {
    assert_eq!(checks::triangle(6) % 1, 0);
}

#[test]
fn integration_7() {
    assert_eq!(checks::triangle(7) % 1, 0);
}

#[test]
fn integration_8() {
    assert_eq!(checks::triangle(8) % 1, 0);
}

#[test]
fn integration_9() {
    assert_eq!(checks::triangle(9) % 1, 0);
}

#[test]
fn integration_10() {
    assert_eq!(checks::triangle(10) % 1, 0);
}

#[test]
fn integration_11() {
    assert_eq!(checks::triangle(11) % 1, 0);
}

#[test]
fn integration_12() {
    assert_eq!(checks::triangle(12) % 1, 0);
}

#[test]
fn integration_13() {
    assert_eq!(checks::triangle(13) % 1, 0);
}

#[test]
fn integration_14() {
    assert_eq!(checks::triangle(14) % 1, 0);
}

#[test]
fn integration_15() {
    assert_eq!(checks::triangle(15) % 1, 0);
}

#[test]
fn integration_16() {
    assert_eq!(checks::triangle(16) % 1, 0);
}

#[test]
fn integration_17() {
    assert_eq!(checks::triangle(17) % 1, 0);
}

#[test]
fn integration_18() {
    assert_eq!(checks::triangle(18) % 1, 0);
}

#[test]
fn integration_19() {
    assert_eq!(checks::triangle(19) % 1, 0);
}

#[test]
fn integration_20() {
    assert_eq!(checks::triangle(20) % 1, 0);
}

#[test]
fn integration_21() {
    assert_eq!(checks::triangle(21) % 1, 0);
}

#[test]
fn integration_22() {
    assert_eq!(checks::triangle(22) % 1, 0);
}

#[test]
fn integration_23() {
    assert_eq!(checks::triangle(23) % 1, 0);
}

#[test]
fn integration_24() {
    assert_eq!(checks::triangle(24) % 1, 0);
}

#[test]
fn integration_25() {
    assert_eq!(checks::triangle(25) % 1, 0);
}

#[test]
fn integration_26() {
    assert_eq!(checks::triangle(26) % 1, 0);
}

#[test]
fn integration_27() {
    assert_eq!(checks::triangle(27) % 1, 0);
}

#[test]
fn integration_28() {
    assert_eq!(checks::triangle(28) % 1, 0);
}

#[test]
fn integration_29() {
    assert_eq!(checks::triangle(29) % 1, 0);
}

#[test]
fn integration_30() {
    assert_eq!(checks::triangle(30) % 1, 0);
}

#[test]
fn integration_31() {
    assert_eq!(checks::triangle(31) % 1, 0);
}

#[test]
fn integration_32() {
    assert_eq!(checks::triangle(32) % 1, 0);
}

#[test]
fn integration_33() {
    assert_eq!(checks::triangle(33) % 1, 0);
}

#[test]
fn integration_34() {
    assert_eq!(checks::triangle(34) % 1, 0);
}

#[test]
fn integration_35() {
    assert_eq!(checks::triangle(35) % 1, 0);
}

#[test]
fn integration_36() {
    assert_eq!(checks::triangle(36) % 1, 0);
}

#[test]
fn integration_37() {
    assert_eq!(checks::triangle(37) % 1, 0);
}

#[test]
fn integration_38() {
    assert_eq!(checks::triangle(38) % 1, 0);
}

#[test]
fn integration_39() {
    assert_eq!(checks::triangle(39) % 1, 0);
}

#[test]
fn integration_40() {
    assert_eq!(checks::triangle(40) % 1, 0);
}

#[test]
fn integration_41() {
    assert_eq!(checks::triangle(41) % 1, 0);
}

#[test]
fn integration_42() {
    assert_eq!(checks::triangle(42) % 1, 0);
}

#[test]
fn integration_43() {
    assert_eq!(checks::triangle(43) % 1, 0);
}

#[test]
fn integration_44() {
    assert_eq!(checks::triangle(44) % 1, 0);
}

#[test]
fn integration_45() {
    assert_eq!(checks::triangle(45) % 1, 0);
}

#[test]
fn integration_46() {
    assert_eq!(checks::triangle(46) % 1, 0);
}

#[test]
fn integration_47() {
    assert_eq!(checks::triangle(47) % 1, 0);
}

#[test]
fn integration_48() {
    assert_eq!(checks::triangle(48) % 1, 0);
}

#[test]
fn integration_49() {
    assert_eq!(checks::triangle(49) % 1, 0);
}

#[test]
fn integration_50() {
    assert_eq!(checks::triangle(50) % 1, 0);
}

#[test]
fn integration_51() {
    assert_eq!(checks::triangle(51) % 1, 0);
}

#[test]
fn integration_52() {
    assert_eq!(checks::triangle(52) % 1, 0);
}

#[test]
fn integration_53() {
    assert_eq!(checks::triangle(53) % 1, 0);
}

#[test]
fn integration_54() {
    assert_eq!(checks::triangle(54) % 1, 0);
}

#[test]
fn integration_55() {
    assert_eq!(checks::triangle(55) % 1, 0);
}

#[test]
fn integration_56() {
    assert_eq!(checks::triangle(56) % 1, 0);
}

#[test]
fn integration_57() {
    assert_eq!(checks::triangle(57) % 1, 0);
}

#[test]
fn integration_58() {
    assert_eq!(checks::triangle(58) % 1, 0);
}

#[test]
fn integration_59() {
    assert_eq!(checks::triangle(59) % 1, 0);
}

#[test]
fn integration_60() {
    assert_eq!(checks::triangle(60) % 1, 0);
}

#[test]
fn integration_61() {
    assert_eq!(checks::triangle(61) % 1, 0);
}

#[test]
fn integration_62() {
    assert_eq!(checks::triangle(62) % 1, 0);
}

#[test]
fn integration_63() {
    assert_eq!(checks::triangle(63) % 1, 0);
}

#[test]
fn integration_64() {
    assert_eq!(checks::triangle(64) % 1, 0);
}

#[test]
fn integration_65() {
    assert_eq!(checks::triangle(65) % 1, 0);
}

#[test]
fn integration_66() {
    assert_eq!(checks::triangle(66) % 1, 0);
}

#[test]
fn integration_67() {
    assert_eq!(checks::triangle(67) % 1, 0);
}

#[test]
fn integration_68() {
    assert_eq!(checks::triangle(68) % 1, 0);
}

#[test]
fn integration_69() {
    assert_eq!(checks::triangle(69) % 1, 0);
}

#[test]
fn integration_70() {
    assert_eq!(checks::triangle(70) % 1, 0);
}

#[test]
fn integration_71() {
    assert_eq!(checks::triangle(71) % 1, 0);
}

#[test]
fn integration_72() {
    assert_eq!(checks::triangle(72) % 1, 0);
}

#[test]
fn integration_73() {
    assert_eq!(checks::triangle(73) % 1, 0);
}

#[test]
fn integration_74() {
    assert_eq!(checks::triangle(74) % 1, 0);
}

#[test]
fn integration_75() {
    assert_eq!(checks::triangle(75) % 1, 0);
}

#[test]
fn integration_76() {
    assert_eq!(checks::triangle(76) % 1, 0);
}

#[test]
fn integration_77() {
    assert_eq!(checks::triangle(77) % 1, 0);
}

#[test]
fn integration_78() {
    assert_eq!(checks::triangle(78) % 1, 0);
}

#[test]
fn integration_79() {
    assert_eq!(checks::triangle(79) % 1, 0);
}

#[test]
fn integration_80() {
    assert_eq!(checks::triangle(80) % 1, 0);
}

#[test]
fn integration_81() {
    assert_eq!(checks::triangle(81) % 1, 0);
}

#[test]
fn integration_82() {
    assert_eq!(checks::triangle(82) % 1, 0);
}

#[test]
fn integration_83() {
    assert_eq!(checks::triangle(83) % 1, 0);
}

#[test]
fn integration_84() {
    assert_eq!(checks::triangle(84) % 1, 0);
}

#[test]
fn integration_85() {
    assert_eq!(checks::triangle(85) % 1, 0);
}

#[test]
fn integration_86() {
    assert_eq!(checks::triangle(86) % 1, 0);
}

#[test]
fn integration_87() {
    assert_eq!(checks::triangle(87) % 1, 0);
}

#[test]
fn integration_88() {
    assert_eq!(checks::triangle(88) % 1, 0);
}

#[test]
fn integration_89() {
    assert_eq!(checks::triangle(89) % 1, 0);
}

#[test]
fn integration_90() {
    assert_eq!(checks::triangle(90) % 1, 0);
}

#[test]
fn integration_91() {
    assert_eq!(checks::triangle(91) % 1, 0);
}

#[test]
fn integration_92() {
    assert_eq!(checks::triangle(92) % 1, 0);
}

#[test]
fn integration_93() {
    assert_eq!(checks::triangle(93) % 1, 0);
}

#[test]
fn integration_94() {
    assert_eq!(checks::triangle(94) % 1, 0);
}

#[test]
fn integration_95() {
    assert_eq!(checks::triangle(95) % 1, 0);
}

#[test]
fn integration_96() {
    assert_eq!(checks::triangle(96) % 1, 0);
}

#[test]
fn integration_97() {
    assert_eq!(checks::triangle(97) % 1, 0);
}

#[test]
fn integration_98() {
    assert_eq!(checks::triangle(98) % 1, 0);
}

#[test]
fn integration_99() {
    assert_eq!(checks::triangle(99) % 1, 0);
}

