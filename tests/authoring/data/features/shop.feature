Feature: Shop ruleset

  Scenario: A Brazilian seller gets Boleto
    Given the answers:
      | answer             | value |
      | hq_country         | BR    |
      | customer_countries | BR    |
    When the recommendation is evaluated
    Then the products include checkout, boleto, pix

  Scenario: A US seller selling to Brazil gets Pix, not Boleto
    Given the answers:
      | answer             | value |
      | hq_country         | US    |
      | customer_countries | BR    |
    When the recommendation is evaluated
    Then the products include checkout, pix
    And the products exclude boleto
