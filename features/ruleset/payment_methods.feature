Feature: Local payment methods
  A method is offered only when one of the customer's Stripe accounts can enable it for a
  buyer country (rules/payment_methods.yaml) and it fits: buyers there expect it
  (rules/markets.yaml), bank debits for recurring or invoiced collection, pay-later for larger
  baskets. Where an account cannot enable a method buyers expect, the product is excluded and
  the market plan says why and names the fix.

  Scenario: Customer without a Brazilian account gets Pix, not Boleto, and the market plan says why
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | entity_countries   | US        |
      | customer_countries | BR        |
      | customer_type      | consumers |
      | channels           | web       |
    When the recommendation is evaluated
    Then the products include pix
    And the products exclude boleto
    And the product boleto is excluded
    And the risk boleto_local_entity is flagged with severity low
    And the risk async_payment_webhooks is flagged
    And the market plan for BR includes cards, pix
    And the market plan for BR excludes boleto

  Scenario: A Brazilian entity counts only when each market sells through its own account
    Given the answers:
      | answer                 | value     |
      | hq_country             | US        |
      | entity_countries       | BR, US    |
      | local_entity_per_market | false    |
      | customer_countries     | BR        |
      | customer_type          | consumers |
      | channels               | web       |
    When the recommendation is evaluated
    Then the products include pix
    And the product boleto is excluded
    And the risk boleto_local_entity is flagged

  Scenario: US group with a Brazilian entity selling locally gets Boleto on the Brazilian account
    Given the answers:
      | answer                  | value     |
      | hq_country              | US        |
      | entity_countries        | BR, US    |
      | local_entity_per_market | true      |
      | customer_countries      | BR, US    |
      | customer_type           | consumers |
      | channels                | web       |
    When the recommendation is evaluated
    Then the products include pix, boleto
    And the risk boleto_local_entity is not flagged
    And the risk refund_limitations is flagged
    And the market plan for BR includes pix, boleto

  Scenario: Brazilian company selling at home gets Boleto and Pix (Pix by invitation for Brazilian accounts)
    Given the answers:
      | answer             | value      |
      | hq_country         | BR         |
      | entity_countries   | BR         |
      | customer_countries | BR         |
      | customer_type      | businesses |
      | channels           | web        |
    When the recommendation is evaluated
    Then the products include boleto, pix
    And the risk boleto_local_entity is not flagged
    And the market plan for BR includes boleto
    And the market plan for BR includes pix

  Scenario: Japanese seller cannot offer Pix or Boleto to Brazilian buyers
    Given the answers:
      | answer             | value     |
      | hq_country         | JP        |
      | customer_countries | BR, JP    |
      | customer_type      | consumers |
      | channels           | web       |
    When the recommendation is evaluated
    Then the products exclude pix, boleto
    And the product pix is excluded
    And the product boleto is excluded
    And the risk local_account_required is flagged
    And the risk boleto_local_entity is flagged with severity high
    And the market plan for BR excludes pix, boleto

  Scenario: Consumers in Mexico can pay cash with OXXO
    Given the answers:
      | answer             | value     |
      | hq_country         | MX        |
      | customer_countries | MX        |
      | customer_type      | consumers |
      | channels           | web       |
      | pricing_models     | one_time  |
    When the recommendation is evaluated
    Then the products include oxxo, card_installments, checkout
    And the risk voucher_expiry is flagged with severity low
    And the risk async_payment_webhooks is flagged
    And the risk refund_limitations is flagged with severity low
    And the market plan for MX includes oxxo, card_installments

  Scenario: Spanish retailer selling to Mexico cannot offer OXXO from its Spanish account
    Given the answers:
      | answer              | value     |
      | hq_country          | ES        |
      | customer_countries  | ES, MX    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 60        |
    When the recommendation is evaluated
    Then the products exclude oxxo, card_installments
    And the product oxxo is excluded
    And the product card_installments is excluded
    And the risk local_account_required is flagged
    And the market plan for MX excludes oxxo, card_installments

  Scenario: US seller to Mexico gets OXXO but card instalments need a Mexican account
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | MX        |
      | customer_type      | consumers |
      | channels           | web       |
      | pricing_models     | one_time  |
    When the recommendation is evaluated
    Then the products include oxxo
    And the product card_installments is excluded
    And the risk local_account_required is flagged
    And the market plan for MX includes oxxo
    And the market plan for MX excludes card_installments

  Scenario: Subscription app for Japanese consumers gets Konbini with its recurring caveat
    Given the answers:
      | answer             | value                     |
      | hq_country         | JP                        |
      | customer_countries | JP                        |
      | customer_type      | consumers                 |
      | channels           | web                       |
      | pricing_models     | one_time, fixed_recurring |
    When the recommendation is evaluated
    Then the products include konbini, paypay, card_installments, billing
    And the risk konbini_no_recurring is flagged
    And the risk voucher_expiry is flagged
    And the risk refund_limitations is flagged
    And the risk japan_3ds_mandate is flagged with severity high

  Scenario: Subscriptions only - PayPay and card instalments are left out, Konbini stays as a payable invoice each period
    # Card instalments are confirmed for recurring use in Mexico only (DOMAIN.md 5a).
    Given the answers:
      | answer             | value           |
      | hq_country         | JP              |
      | customer_countries | JP              |
      | customer_type      | consumers       |
      | channels           | web             |
      | pricing_models     | fixed_recurring |
    When the recommendation is evaluated
    Then the products include billing, konbini
    And the products exclude paypay, card_installments
    And the risk konbini_no_recurring is flagged
    And the market plan for JP excludes paypay, card_installments
    And the market plan for JP includes konbini

  Scenario: B2B subscriptions on net terms are paid by bank transfer into virtual accounts
    Given the answers:
      | answer             | value      |
      | hq_country         | US         |
      | customer_countries | US, JP     |
      | customer_type      | businesses |
      | channels           | invoice    |
      | payment_terms      | net_terms  |
      | pricing_models     | seat       |
    When the recommendation is evaluated
    Then the products include bank_transfers, invoicing, billing, ach_debit
    And the market plan for US includes bank_transfers, ach_debit
    And the market plan for JP includes bank_transfers

  Scenario: German shop selling to Japan from its German account gets no Konbini
    Given the answers:
      | answer              | value     |
      | hq_country          | DE        |
      | customer_countries  | DE, JP    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 60        |
    When the recommendation is evaluated
    Then the products exclude konbini, paypay, card_installments
    And the product konbini is excluded
    And the risk local_account_required is flagged
    And the risk japan_3ds_mandate is not flagged
    And the market plan for JP excludes konbini
    And the market plan for JP has the auth regime none

  Scenario: Singapore app company selling to Japan needs a Japanese account for PayPay
    Given the answers:
      | answer             | value      |
      | hq_country         | SG         |
      | customer_countries | JP, SG     |
      | customer_type      | consumers  |
      | channels           | mobile_app |
      | pricing_models     | one_time   |
    When the recommendation is evaluated
    Then the products exclude paypay
    And the product paypay is excluded
    And the risk local_account_required is flagged with severity medium
    And the market plan for JP excludes paypay, konbini

  Scenario: Selling to Chinese consumers adds WeChat Pay
    Given the answers:
      | answer             | value     |
      | hq_country         | SG        |
      | customer_countries | CN, SG    |
      | customer_type      | consumers |
      | channels           | web       |
    When the recommendation is evaluated
    Then the products include wechat_pay, tax
    And the market plan for CN includes wechat_pay

  Scenario: UK subscription business collects by Bacs Direct Debit
    Given the answers:
      | answer             | value           |
      | hq_country         | GB              |
      | entity_countries   | GB              |
      | customer_countries | GB              |
      | customer_type      | consumers       |
      | channels           | web             |
      | pricing_models     | fixed_recurring |
    When the recommendation is evaluated
    Then the products include bacs_debit, billing, customer_portal, card_account_updater
    And the products exclude sepa_debit
    And the risk bacs_mandate_notices is flagged
    And the product bacs_debit is not excluded
    And the market plan for GB includes bacs_debit

  Scenario: Bacs Direct Debit needs a UK account
    Given the answers:
      | answer             | value      |
      | hq_country         | US         |
      | entity_countries   | US         |
      | customer_countries | GB, US     |
      | customer_type      | businesses |
      | channels           | web        |
      | pricing_models     | seat       |
    When the recommendation is evaluated
    Then the products include ach_debit, financial_connections
    And the products exclude bacs_debit
    And the product bacs_debit is excluded
    And the risk ach_return_risk is flagged
    And the risk local_account_required is flagged
    And the market plan for GB excludes bacs_debit

  Scenario: ACH Direct Debit needs a US account
    Given the answers:
      | answer             | value      |
      | hq_country         | DE         |
      | entity_countries   | DE         |
      | customer_countries | DE, US     |
      | customer_type      | businesses |
      | channels           | invoice    |
      | payment_terms      | net_terms  |
    When the recommendation is evaluated
    Then the products include sepa_debit, invoicing, bank_transfers
    And the product ach_debit is excluded
    And the risk sepa_settlement_delay is flagged
    And the market plan for US excludes ach_debit

  Scenario: Australian fashion brand offers Afterpay
    Given the answers:
      | answer              | value     |
      | hq_country          | AU        |
      | customer_countries  | AU, NZ    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 70        |
    When the recommendation is evaluated
    Then the products include afterpay_clearpay, checkout
    And the products exclude klarna, zip
    And the risk afterpay_restrictions is flagged
    And the risk bnpl_limits is flagged
    And the market plan for AU includes afterpay_clearpay
    And the market plan for NZ excludes afterpay_clearpay

  Scenario: US seller of large baskets offers Klarna and Afterpay
    Given the answers:
      | answer              | value     |
      | hq_country          | US        |
      | customer_countries  | US        |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 450       |
    When the recommendation is evaluated
    Then the products include klarna, afterpay_clearpay, affirm, cashapp
    And the risk afterpay_restrictions is flagged
    And the risk bnpl_limits is flagged with severity low

  Scenario: Afterpay is explained away for a seller outside its domestic markets
    Given the answers:
      | answer              | value     |
      | hq_country          | DE        |
      | customer_countries  | DE, GB    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 300       |
    When the recommendation is evaluated
    Then the products include klarna
    And the product afterpay_clearpay is excluded
    And the market plan for GB excludes afterpay_clearpay
    And the market plan for GB includes klarna

  Scenario: Pure B2B subscription seller gets bank debits, not consumer methods
    Given the answers:
      | answer             | value              |
      | hq_country         | US                 |
      | customer_countries | BE, NL, MX, JP, CN |
      | customer_type      | businesses         |
      | channels           | web                |
      | pricing_models     | seat               |
    When the recommendation is evaluated
    Then the products exclude ideal, bancontact, oxxo, konbini, paypay, wechat_pay, klarna
    And the product ideal is excluded
    And the products include sepa_debit
    And the derived fact b2b_only is true
    And the market plan for JP does not list konbini, paypay
    And the market plan for CN does not list wechat_pay

  Scenario: Dutch businesses buying one-off still pay with iDEAL
    Given the answers:
      | answer             | value      |
      | hq_country         | NL         |
      | customer_countries | NL         |
      | customer_type      | businesses |
      | channels           | web        |
      | pricing_models     | one_time   |
    When the recommendation is evaluated
    Then the products include ideal
    And the products exclude sepa_debit, klarna
    And the product ideal is not excluded

  Scenario: Consumer and business seller in Belgium keeps Bancontact
    Given the answers:
      | answer             | value                 |
      | hq_country         | BE                    |
      | customer_countries | BE                    |
      | customer_type      | consumers, businesses |
      | channels           | web                   |
    When the recommendation is evaluated
    Then the products include bancontact
    And the products exclude sepa_debit
    And the product bancontact is not excluded

  Scenario: Polish consumers pay with BLIK and Przelewy24
    Given the answers:
      | answer              | value     |
      | hq_country          | DE        |
      | customer_countries  | DE, PL    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 45        |
      | priced_currencies   | EUR       |
    When the recommendation is evaluated
    Then the products include blik, p24, adaptive_pricing
    And the risk local_currency_required is flagged with severity low
    And the market plan for PL includes blik, p24
    And the market plan for PL has the auth regime sca

  Scenario: A seller whose account cannot enable Przelewy24 is told so
    Given the answers:
      | answer             | value     |
      | hq_country         | AE        |
      | customer_countries | AE, PL    |
      | customer_type      | consumers |
      | channels           | web       |
    When the recommendation is evaluated
    Then the products exclude p24
    And the product p24 is excluded
    And the market plan for PL excludes p24

  Scenario: US edtech selling subscriptions to India takes UPI under RBI rules
    Given the answers:
      | answer             | value           |
      | hq_country         | US              |
      | customer_countries | IN, US          |
      | customer_type      | consumers       |
      | channels           | web             |
      | pricing_models     | fixed_recurring |
      | priced_currencies  | USD, INR        |
    When the recommendation is evaluated
    Then the products include upi, billing
    And the risk india_rbi_afa_emandate is flagged with severity high
    And the risk refund_limitations is flagged
    And the market plan for IN includes upi
    And the market plan for IN has the auth regime in_afa

  Scenario: UK edtech selling to India cannot take UPI, which needs a US account
    Given the answers:
      | answer             | value           |
      | hq_country         | GB              |
      | customer_countries | GB, IN          |
      | customer_type      | consumers       |
      | channels           | web             |
      | pricing_models     | fixed_recurring |
    When the recommendation is evaluated
    Then the products exclude upi
    And the product upi is excluded
    And the risk local_account_required is flagged
    And the risk india_rbi_afa_emandate is flagged
    And the market plan for IN excludes upi

  Scenario: Canadian furniture seller gets Affirm at home; US buyers need a US account for it
    Given the answers:
      | answer              | value     |
      | hq_country          | CA        |
      | customer_countries  | CA, US    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 1200      |
      | offering_types      | physical_goods |
    When the recommendation is evaluated
    Then the products include affirm, klarna, afterpay_clearpay
    And the risk bnpl_limits is flagged
    And the market plan for CA includes affirm
    And the market plan for US excludes affirm, cashapp

  Scenario: Canadian brand selling to US consumers gets no Cash App Pay
    Given the answers:
      | answer              | value     |
      | hq_country          | CA        |
      | customer_countries  | US        |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 40        |
    When the recommendation is evaluated
    Then the products exclude cashapp
    And the product cashapp is excluded
    And the risk local_account_required is flagged
    And the market plan for US excludes cashapp

  Scenario: US consumer seller offers Cash App Pay
    Given the answers:
      | answer              | value     |
      | hq_country          | US        |
      | customer_countries  | US        |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 30        |
    When the recommendation is evaluated
    Then the products include cashapp
    And the products exclude klarna, afterpay_clearpay, affirm
    And the risk bnpl_limits is not flagged
    And the market plan for US includes cashapp

  Scenario: Australian outdoor brand with larger baskets adds Zip next to Afterpay and Klarna
    Given the answers:
      | answer              | value          |
      | hq_country          | AU             |
      | customer_countries  | AU             |
      | customer_type       | consumers      |
      | channels            | web            |
      | avg_transaction_usd | 180            |
      | offering_types      | physical_goods |
    When the recommendation is evaluated
    Then the products include zip, afterpay_clearpay, klarna
    And the risk bnpl_limits is flagged
    And the market plan for AU includes afterpay_clearpay, klarna, zip

  Scenario: Afterpay is left out for recurring-only pricing
    Given the answers:
      | answer              | value           |
      | hq_country          | AU              |
      | customer_countries  | AU              |
      | customer_type       | consumers       |
      | channels            | web             |
      | avg_transaction_usd | 150             |
      | pricing_models      | fixed_recurring |
    When the recommendation is evaluated
    Then the products include klarna, billing
    And the products exclude afterpay_clearpay, zip
    And the risk afterpay_restrictions is not flagged
    And the market plan for AU excludes afterpay_clearpay

  Scenario: Afterpay is left out above its order cap
    Given the answers:
      | answer              | value     |
      | hq_country          | AU        |
      | customer_countries  | AU        |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 3500      |
    When the recommendation is evaluated
    Then the products include klarna
    And the products exclude afterpay_clearpay
    And the market plan for AU excludes afterpay_clearpay

  Scenario: A charity taking donations gets no pay-later and no Stripe Tax
    Given the answers:
      | answer              | value      |
      | hq_country          | AU         |
      | customer_countries  | AU, NZ, GB |
      | customer_type       | consumers  |
      | business_model      | crowdfunding |
      | industry            | nonprofit  |
      | offering_types      | donations  |
      | channels            | web        |
      | avg_transaction_usd | 120        |
    When the recommendation is evaluated
    Then the products exclude afterpay_clearpay, tax
    And the product tax is excluded
    And the risk tax_not_applicable is flagged
    And the risk tax_registration is not flagged
    And the market plan for AU excludes afterpay_clearpay

  Scenario: Singapore seller cannot offer Klarna to US shoppers from its account
    Given the answers:
      | answer              | value     |
      | hq_country          | SG        |
      | customer_countries  | SG, US    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 250       |
    When the recommendation is evaluated
    Then the products exclude klarna, affirm, afterpay_clearpay
    And the product klarna is excluded
    And the product affirm is excluded
    And the risk local_account_required is flagged
    And the market plan for US excludes klarna, affirm, afterpay_clearpay, cashapp

  Scenario: Buyers who already pay with a method keep it where the account can enable it
    Given the answers:
      | answer                  | value            |
      | hq_country              | FR               |
      | customer_countries      | DE, FR           |
      | customer_type           | consumers        |
      | channels                | web              |
      | pricing_models          | one_time         |
      | avg_transaction_usd     | 40               |
      | current_payment_methods | cards, klarna, sepa_debit |
    When the recommendation is evaluated
    Then the products include klarna, sepa_debit
    And the risk sepa_settlement_delay is flagged

  Scenario: B2B wholesaler on net terms collects by bank transfer
    Given the answers:
      | answer              | value          |
      | hq_country          | GB             |
      | customer_countries  | DE, FR, GB     |
      | customer_type       | businesses     |
      | channels            | invoice        |
      | payment_terms       | net_terms      |
      | pricing_models      | one_time       |
      | avg_transaction_usd | 18000          |
    When the recommendation is evaluated
    Then the products include bank_transfers, invoicing, bacs_debit
    And the products exclude sepa_debit
    And the risk async_payment_webhooks is flagged
    And the market plan for DE includes bank_transfers
    And the market plan for GB includes bank_transfers, bacs_debit

  Scenario: Crypto exchange gets no pay-later even on large baskets
    Given the answers:
      | answer              | value     |
      | hq_country          | US        |
      | customer_countries  | US        |
      | customer_type       | consumers |
      | industry            | crypto    |
      | channels            | web       |
      | avg_transaction_usd | 500       |
    When the recommendation is evaluated
    Then the products exclude klarna, affirm, afterpay_clearpay
    And the product affirm is excluded
    And the product klarna is excluded
    And the risk restricted_business is flagged
